import { localDate, phoneText } from './format.js';
import { AR } from './strings-ar.js';
import { DE } from './strings-de.js';
import { ES } from './strings-es.js';
import { FR } from './strings-fr.js';

import type { Strings } from './strings-types.js';

export type { PromptId, Strings, Ticketish } from './strings-types.js';

/**
 * Everything the rules model says, per locale (English first; the others in strings-<locale>.ts,
 * issue #14).
 */

const date = (iso: string) => localDate(iso, 'en') ?? 'an unknown date';

const EN_MENU =
  'I can check the status of your tickets (for example "What\'s the status of my ticket?"), list your tickets, tell you the contact details we have on file, update your phone number, open a new ticket, add a comment to a ticket, or pass you to a person from our team.';

export const EN: Strings = {
  prompts: {
    ask_ticket_id:
      'Which ticket do you mean? Please give me its number, as shown on the ticket or in our emails.',
    ask_phone: "What's the new phone number? Please include the country code, like +1 415 555 0132.",
    ask_subject: "Sure, I'll open a ticket for you. In a few words, what is it about?",
    ask_description: 'Thanks. Please describe the problem in a sentence or two, so our team has the details.',
    ask_email: 'What email address should our team use to reply to you?',
    ask_comment_ticket:
      'Which ticket should I add your comment to? Please give me its number, as shown on the ticket or in our emails.',
    ask_comment_body: 'What would you like me to add to the ticket?',
    ask_handoff: "I'll ask a person from our team to get back to you. What should I tell them?",
    offer_ticket: 'Would you like me to open a ticket so a person from our team can follow up?',
  },
  greeting: (name) => `Hi${name ? ` ${name}` : ''}! How can I help you today? ${EN_MENU}`,
  menu: EN_MENU,
  outOfScope: `Sorry, I can't help with that here. ${EN_MENU}`,
  refuseSecrets: `I can't share how I'm set up, and I don't have any keys to share. ${EN_MENU}`,
  thanks: "You're welcome! Is there anything else I can help with?",
  bye: 'Thanks for chatting with us. Have a great day!',
  cancelled: "No problem, I've stopped there. Nothing was changed.",
  declined: "OK, I haven't changed anything.",
  expired: "The confirmation timed out, so I haven't changed anything. Just ask again if you'd like to.",
  signIn: 'Please sign in first, so I can look at your account.',
  cannotHere: "I'm not able to do that from this chat.",
  badPhone: "That doesn't look like a valid phone number.",
  badEmail: "That doesn't look like an email address.",
  anythingElse: 'No problem. Is there anything else I can help with?',
  notFoundTicket: (id) =>
    `I couldn't find ${id ? `ticket ${id}` : 'that ticket'} on your account. Please check the number (as shown on the ticket or in our emails).`,
  ticketStatus: (t) => {
    const reply = t.latest_reply ? ` The latest reply says: "${t.latest_reply}"` : '';
    return `Ticket ${t.ticket_id} ("${t.subject}") is **${t.status}**. It was opened on ${date(t.created_at)} and last updated on ${date(t.updated_at ?? t.created_at)}.${reply}`;
  },
  ticketList: (tickets, status) => {
    const which = status ? `${status} ` : '';
    if (tickets.length === 0) return `You don't have any ${which}tickets with us.`;
    const lines = tickets.map(
      (t) =>
        `- ${t.ticket_id} "${t.subject}": **${t.status}**${t.updated_at ? `, updated ${date(t.updated_at)}` : ''}`,
    );
    const noun = tickets.length === 1 ? 'ticket' : 'tickets';
    return `You have ${tickets.length} ${which}${noun}:\n${lines.join('\n')}`;
  },
  contact: (c) =>
    `${c.name ? `You're signed in as ${c.name}. ` : ''}We have your email as ${c.email ?? 'not on file'} and your phone number as ${phoneText(c.phone) ?? 'not on file'}.`,
  topicChoice: (tickets) =>
    `More than one of your tickets could match: ${tickets.map((t) => `${t.ticket_id} "${t.subject}"`).join(', ')}.`,
  topicNone: "I couldn't find a ticket of yours about that.",
  notUnderstood: `Sorry, I didn't catch that. ${EN_MENU}`,
  phoneUpdated: (phone) => `Done! Your phone number is now ${phoneText(phone) ?? 'updated'}.`,
  phoneUnchanged: (phone) =>
    `${phoneText(phone) ?? 'That number'} is already the phone number on file, so nothing needed changing.`,
  ticketCreated: (id, subject, existing) =>
    existing
      ? `You already opened ticket ${id}${subject ? ` ("${subject}")` : ''} about this; our team is on it.`
      : `I've opened ticket ${id}${subject ? ` ("${subject}")` : ''}. Our team will get back to you soon.`,
  commentAdded: (id) => `I've added your comment to ticket ${id}.`,
  ticketClosed: (id) =>
    `${id ? `Ticket ${id} is` : 'That ticket is'} closed, so I can't add to it. Would you like me to open a ticket so a person from our team can follow up?`,
  confirmationInvalid: "That confirmation didn't go through, so nothing was changed. Please ask again.",
  invalidArgument: "Something in that request wasn't valid, so nothing was changed.",
  generic: "Sorry, I couldn't do that just now. Please try again in a moment.",
  date,
};

const LOCALES: Record<string, Strings> = { en: EN, es: ES, de: DE, fr: FR, ar: AR };

/** The strings of a locale (`en-GB` → `en`), English when there are none. */
export function stringsFor(locale: string): Strings {
  return LOCALES[locale.toLowerCase().split('-')[0] ?? 'en'] ?? EN;
}

/** Every locale's strings: prompts are recognised whichever locale asked them. */
export function allStrings(): readonly Strings[] {
  return Object.values(LOCALES);
}
