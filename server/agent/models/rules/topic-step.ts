import { crmLiteral } from '../../crm-text.js';
import type { ModelRequest } from '../../model.js';
import type { Action } from './decide.js';
import { detectIntent } from './intents.js';
import { findTicketId } from './slots.js';
import { stringsFor, type Ticketish } from './strings.js';
import { matchTopic, topicWords } from './topics.js';

const str = (v: unknown) => (typeof v === 'string' ? v : '');

/**
 * After list_my_tickets answered a question about a ticket named by its topic: look up the one
 * ticket whose subject matches, or ask which one when several do, or say none does and show the
 * list. Null when the list was what the visitor asked for (then it is simply shown).
 */
export async function afterTopicSearch(req: ModelRequest): Promise<Action | null> {
  const last = req.messages.at(-1);
  if (last?.role !== 'tool' || last.name !== 'list_my_tickets' || last.result.isError) return null;
  const user = req.messages.findLast((m) => m.role === 'user');
  if (user?.role !== 'user' || findTicketId(user.text)) return null;
  const topic = topicWords(user.text);
  if (topic.length === 0 || (await detectIntent(user.text, req.visitor.locale)).kind !== 'ticket_status')
    return null;
  const raw = last.result.data?.tickets;
  const tickets = (Array.isArray(raw) ? raw : []).flatMap((t: Record<string, unknown>) =>
    t && typeof t.ticket_id === 'string'
      ? [{ ticket_id: t.ticket_id, subject: str(t.subject), status: str(t.status) }]
      : [],
  );
  const matches = matchTopic(topic, tickets);
  if (matches.length === 1 && matches[0])
    return { call: 'get_ticket_status', args: { ticket_id: matches[0].ticket_id } };
  const s = stringsFor(req.visitor.locale);
  const shown = (list: typeof tickets): Ticketish[] =>
    list.map((t) => ({
      ticket_id: crmLiteral(t.ticket_id, 40),
      subject: crmLiteral(t.subject, 200),
      status: crmLiteral(t.status, 40),
    }));
  if (matches.length > 1) return { say: `${s.topicChoice(shown(matches))} ${s.prompts.ask_ticket_id}` };
  const list = tickets.length ? ` ${s.ticketList(shown(tickets), null)}\n\n` : ' ';
  return { say: `${s.topicNone}${list}${s.prompts.ask_ticket_id}` };
}
