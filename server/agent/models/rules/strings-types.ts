/**
 * The shape of everything the rules model says, one implementation per locale (strings*.ts).
 * Prompts that ask for a slot are also how a conversation's state is recovered from its stored
 * messages after a restart (dialogue.ts), so each prompt must stay a distinct sentence in every
 * locale.
 */

export type PromptId =
  | 'ask_ticket_id'
  | 'ask_phone'
  | 'ask_subject'
  | 'ask_description'
  | 'ask_email'
  | 'ask_comment_ticket'
  | 'ask_comment_body'
  | 'ask_handoff'
  | 'offer_ticket';

export interface Ticketish {
  ticket_id: string;
  subject: string;
  status: string;
  updated_at?: string;
}

export interface Strings {
  prompts: Record<PromptId, string>;
  greeting(name: string | null): string;
  menu: string;
  outOfScope: string;
  refuseSecrets: string;
  thanks: string;
  bye: string;
  cancelled: string;
  declined: string;
  expired: string;
  signIn: string;
  cannotHere: string;
  badPhone: string;
  badEmail: string;
  anythingElse: string;
  notFoundTicket(id: string | null): string;
  ticketStatus(t: Ticketish & { created_at: string; latest_reply: string | null }): string;
  ticketList(tickets: Ticketish[], status: string | null): string;
  contact(c: { name: string | null; email: string | null; phone: string | null }): string;
  /** Two or more of the visitor's tickets match the topic they named; followed by ask_ticket_id. */
  topicChoice(tickets: Ticketish[]): string;
  /** None of the visitor's tickets matches the topic; followed by their list and ask_ticket_id. */
  topicNone: string;
  /** A message with nothing to read in it (only spaces, punctuation or emoji). */
  notUnderstood: string;
  phoneUpdated(phone: string | null): string;
  phoneUnchanged(phone: string | null): string;
  ticketCreated(id: string, subject: string | null, existing: boolean): string;
  commentAdded(id: string): string;
  ticketClosed(id: string | null): string;
  confirmationInvalid: string;
  invalidArgument: string;
  generic: string;
  date(iso: string): string;
}
