import type { ModelRequest } from '../../model.js';
import { type DialogueState, dialogueState } from './dialogue.js';
import { detectIntent, isCancel, ruleIntent, startsTurnAround, yesNo } from './intents.js';
import { normalize } from './normalize.js';
import {
  findEmail,
  findPhone,
  findTicketId,
  freeText,
  looksLikePhone,
  statusFilter,
  subjectInRequest,
  ticketIdAnswer,
} from './slots.js';
import { type PromptId, type Strings, stringsFor } from './strings.js';
import { asksForOther, otherTicket, topicWords } from './topics.js';

/** Intents that name a ticket for their own purpose (not to ask about it). */
const ACTS_ON_TICKETS = new Set([
  'comment',
  'create_ticket',
  'human',
  'update_phone',
  'secrets',
  'ticket_status',
]);

/** What the rules model does with a visitor message: call one tool, or say something. */
export type Action = { call: string; args: Record<string, unknown> } | { say: string };

const SUBJECT_MAX = 120;
const DESCRIPTION_MAX = 2000;
const HANDOFF_SUBJECT = 'Request to talk to a person';

interface Ctx {
  req: ModelRequest;
  s: Strings;
  country: string;
  has(tool: string): boolean;
  /** Whether create_ticket asks for a contact email (anonymous visitors, docs/architecture.md §4). */
  needsEmail: boolean;
}

/** Decides the reply to the latest visitor message, given the conversation so far. */
export async function decide(req: ModelRequest, text: string): Promise<Action> {
  const create = req.tools.find((t) => t.name === 'create_ticket');
  const props = (create?.inputSchema.properties ?? {}) as Record<string, unknown>;
  const ctx: Ctx = {
    req,
    s: stringsFor(req.visitor.locale),
    country: req.visitor.phoneCountry ?? 'US',
    has: (tool) => req.tools.some((t) => t.name === tool),
    needsEmail: 'contact_email' in props,
  };
  const state = dialogueState(req.messages);
  if (state) {
    const continued = continueFlow(state, text, ctx);
    if (continued) return continued;
  }
  return startFlow(text, ctx);
}

const ask = (ctx: Ctx, id: PromptId, before = ''): Action => ({
  say: before ? `${before} ${ctx.s.prompts[id]}` : ctx.s.prompts[id],
});

/** Fills the slot the last prompt asked for; null when the message is about something else. */
function continueFlow(state: DialogueState, text: string, ctx: Ctx): Action | null {
  if (isCancel(text)) return { say: ctx.s.cancelled };
  // On a free-text prompt anything is an answer; on the others a clear new request wins.
  const switched = ruleIntent(text);
  switch (state.awaiting) {
    case 'ask_ticket_id': {
      const id = ticketIdAnswer(normalize(text));
      if (id) return readTool(ctx, 'get_ticket_status', { ticket_id: id });
      return switched ? null : ask(ctx, 'ask_ticket_id');
    }
    case 'ask_phone': {
      const phone = findPhone(text, ctx.country);
      if (phone) return writeTool(ctx, 'update_phone_number', { phone });
      if (looksLikePhone(text)) return ask(ctx, 'ask_phone', ctx.s.badPhone);
      return switched ? null : ask(ctx, 'ask_phone');
    }
    case 'ask_subject':
    case 'ask_description':
    case 'ask_email':
      if (switchesAway(text, 'create_ticket')) return null;
      return continueCreate({ ...state, answers: { ...state.answers, [state.awaiting]: text } }, ctx);
    case 'ask_comment_ticket': {
      const id = ticketIdAnswer(normalize(text));
      if (id) return ask(ctx, 'ask_comment_body');
      return switched ? null : ask(ctx, 'ask_comment_ticket');
    }
    case 'ask_comment_body': {
      if (switchesAway(text, 'comment')) return null;
      const id =
        findTicketId(state.answers.ask_comment_ticket ?? '') ??
        ticketIdAnswer(state.answers.ask_comment_ticket ?? '') ??
        findTicketId(normalize(state.opener));
      if (!id) return ask(ctx, 'ask_comment_ticket');
      return writeTool(ctx, 'add_ticket_comment', { ticket_id: id, body: freeText(text, DESCRIPTION_MAX) });
    }
    case 'ask_handoff':
      return handoff(ctx, text);
    case 'offer_ticket': {
      const answer = yesNo(text);
      if (answer === 'yes') return ctx.has('create_ticket') ? ask(ctx, 'ask_subject') : noTool(ctx);
      if (answer === 'no') return { say: ctx.s.anythingElse };
      return null;
    }
  }
}

/** Requests that ask something rather than tell something: a free-text slot never takes them. */
const QUESTIONS = new Set(['ticket_status', 'list_tickets', 'contact', 'help', 'human', 'secrets']);

/**
 * Whether a message typed at a free-text prompt (a ticket's subject or description, a comment) is
 * a new request instead of the answer (issue #14): a question the visitor wants answered now
 * ("actually, what's the status of T-1001?"), or a turn-around word first. A description that
 * mentions a phone or an order is still a description.
 */
function switchesAway(text: string, flowIntent: string): boolean {
  const intent = ruleIntent(text);
  if (!intent || intent === flowIntent) return false;
  const asks = /[?？؟]\s*$/.test(text.trim()) || startsTurnAround(text);
  return QUESTIONS.has(intent) && (asks || intent === 'human');
}

/** Open a ticket: subject, then description, then (anonymous) a contact email. */
function continueCreate(state: DialogueState, ctx: Ctx): Action {
  const subject = state.answers.ask_subject ?? subjectInRequest(state.opener);
  if (!subject) return ask(ctx, 'ask_subject');
  const description = state.answers.ask_description;
  if (!description) return ask(ctx, 'ask_description');
  const args: Record<string, unknown> = {
    subject: freeText(subject, SUBJECT_MAX),
    description: freeText(description, DESCRIPTION_MAX),
  };
  if (ctx.needsEmail) {
    const email = findEmail(state.answers.ask_email ?? '') ?? findEmail(state.opener);
    if (!email) return ask(ctx, 'ask_email', state.answers.ask_email ? ctx.s.badEmail : '');
    args.contact_email = email;
  }
  return writeTool(ctx, 'create_ticket', args);
}

function handoff(ctx: Ctx, details: string): Action {
  if (ctx.needsEmail) {
    // An anonymous visitor needs a reply address: continue as an ordinary ticket, subject known.
    const email = findEmail(details);
    if (!email) return ask(ctx, 'ask_subject');
    return writeTool(ctx, 'create_ticket', {
      subject: HANDOFF_SUBJECT,
      description: freeText(details, DESCRIPTION_MAX),
      contact_email: email,
    });
  }
  return writeTool(ctx, 'create_ticket', {
    subject: HANDOFF_SUBJECT,
    description: freeText(details, DESCRIPTION_MAX),
  });
}

/** A new request: what does the visitor want? */
async function startFlow(text: string, ctx: Ctx): Promise<Action> {
  const s = ctx.s;
  // Only spaces, punctuation or emoji: nothing to act on; say so in the visitor's language.
  if (!/[\p{L}\p{N}]/u.test(text)) return { say: s.notUnderstood };
  const intent = await detectIntent(text, ctx.req.visitor.locale);
  const ticketId = findTicketId(normalize(text));
  if (!ticketId && asksForOther(text)) {
    const other = otherTicket(ctx.req.messages);
    return other && other !== 'unknown'
      ? readTool(ctx, 'get_ticket_status', { ticket_id: other })
      : (needsAccount(ctx, 'get_ticket_status') ?? ask(ctx, 'ask_ticket_id'));
  }
  // A ticket id with no other clear request is a question about that ticket ("what about #1002").
  // A problem told about a named ticket ("the damaged order, it's #1001") asks about that ticket.
  if (ticketId && (!ACTS_ON_TICKETS.has(intent.kind) || intent.by === 'problem'))
    return readTool(ctx, 'get_ticket_status', { ticket_id: ticketId });
  switch (intent.kind) {
    case 'secrets':
      return { say: s.refuseSecrets };
    case 'greeting':
      return { say: s.greeting(ctx.req.visitor.name?.split(' ')[0] ?? null) };
    case 'help':
      return { say: s.menu };
    case 'thanks':
      return { say: s.thanks };
    case 'bye':
      return { say: s.bye };
    case 'ticket_status':
      if (ticketId) return readTool(ctx, 'get_ticket_status', { ticket_id: ticketId });
      // Named by its topic: look through the visitor's own tickets (rules.ts matches the subjects).
      if (topicWords(text).length > 0 && ctx.has('list_my_tickets'))
        return readTool(ctx, 'list_my_tickets', {});
      return needsAccount(ctx, 'get_ticket_status') ?? ask(ctx, 'ask_ticket_id');
    case 'list_tickets': {
      const status = statusFilter(text);
      return readTool(ctx, 'list_my_tickets', status ? { status } : {});
    }
    case 'contact':
      return readTool(ctx, 'get_customer_info', {});
    case 'update_phone': {
      const blocked = needsAccount(ctx, 'update_phone_number');
      if (blocked) return blocked;
      const phone = findPhone(text, ctx.country);
      if (phone) return writeTool(ctx, 'update_phone_number', { phone });
      return ask(ctx, 'ask_phone', looksLikePhone(text) ? s.badPhone : '');
    }
    case 'create_ticket':
      if (!ctx.has('create_ticket')) return noTool(ctx);
      return continueCreate({ flow: 'create', awaiting: 'ask_subject', answers: {}, opener: text }, ctx);
    case 'comment': {
      const blocked = needsAccount(ctx, 'add_ticket_comment');
      if (blocked) return blocked;
      return ask(ctx, ticketId ? 'ask_comment_body' : 'ask_comment_ticket');
    }
    case 'human': {
      if (!ctx.has('create_ticket')) return noTool(ctx);
      // "Transfer me and also close my tickets" (P7): a request that says more is what the team reads.
      // Details, not just a longer way of asking ("this bot is useless, get me a human").
      const saysMore =
        /\b(also|because|about|regarding|so that|and (then )?(close|cancel|change|tell|ask|update))\b|[:;]\s*\S/i.test(
          text,
        );
      return saysMore ? handoff(ctx, text) : ask(ctx, 'ask_handoff');
    }
    case 'out_of_scope':
      return ticketId ? readTool(ctx, 'get_ticket_status', { ticket_id: ticketId }) : { say: s.outOfScope };
  }
}

function needsAccount(ctx: Ctx, tool: string): Action | null {
  if (ctx.has(tool)) return null;
  return ctx.req.visitor.anonymous ? { say: ctx.s.signIn } : noTool(ctx);
}

function noTool(ctx: Ctx): Action {
  if (ctx.req.visitor.anonymous) return { say: ctx.s.signIn };
  return { say: `${ctx.s.cannotHere} ${ctx.s.prompts.offer_ticket}` };
}

function readTool(ctx: Ctx, name: string, args: Record<string, unknown>): Action {
  return needsAccount(ctx, name) ?? { call: name, args };
}

function writeTool(ctx: Ctx, name: string, args: Record<string, unknown>): Action {
  return needsAccount(ctx, name) ?? { call: name, args };
}
