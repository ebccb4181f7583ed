import type { ChatMessage, Model, ModelEvent, ModelRequest, ToolCall, ToolResultForModel } from '../model.js';

/**
 * The offline default model: high-precision rules over the visitor's words, answering from tool
 * results. It never takes a customer id from text: tools act for the token's subject only.
 */
export class RulesModel implements Model {
  readonly name = 'rules';
  #calls = 0;

  async *step(req: ModelRequest): AsyncIterable<ModelEvent> {
    const last = req.messages.at(-1);
    if (last?.role === 'tool') {
      yield { type: 'text', text: replyFromResults(trailingResults(req.messages), req) };
      yield { type: 'done', reason: 'stop' };
      return;
    }
    const text = last?.role === 'user' ? last.text : '';
    const intent = classify(text);
    const has = (name: string) => req.tools.some((t) => t.name === name);
    if (intent.kind === 'ticket_status' && has('get_ticket_status')) {
      yield this.#call('get_ticket_status', { ticket_id: intent.ticketId });
      yield { type: 'done', reason: 'tool_calls' };
      return;
    }
    if (intent.kind === 'contact' && has('get_customer_info')) {
      yield this.#call('get_customer_info', {});
      yield { type: 'done', reason: 'tool_calls' };
      return;
    }
    yield { type: 'text', text: directReply(intent, req) };
    yield { type: 'done', reason: 'stop' };
  }

  #call(name: string, args: Record<string, unknown>): ModelEvent {
    this.#calls += 1;
    const call: ToolCall = { id: `rules_${this.#calls}`, name, args, rawArgs: JSON.stringify(args) };
    return { type: 'tool_call', call };
  }
}

type Intent =
  | { kind: 'ticket_status'; ticketId: string }
  | { kind: 'ticket_status_no_id' }
  | { kind: 'contact' }
  | { kind: 'greeting' }
  | { kind: 'help' };

/** `T-1001`, `#1001`, `ticket 1001`, `case 1001` → `T-1001`. */
export function findTicketId(text: string): string | null {
  const m =
    /\bT-?(\d{1,10})\b/i.exec(text) ??
    /(?:#|\b(?:ticket|case|request)\s*(?:no\.?|number|#)?\s*)(\d{3,10})\b/i.exec(text);
  return m?.[1] ? `T-${m[1]}` : null;
}

function classify(text: string): Intent {
  const t = text.toLowerCase();
  const ticketId = findTicketId(text);
  if (ticketId) return { kind: 'ticket_status', ticketId };
  if (/\b(ticket|case|request)\b/.test(t) && /\b(status|where|update|progress|what'?s)\b/.test(t)) {
    return { kind: 'ticket_status_no_id' };
  }
  if (/\b(e-?mail|phone|number|contact details?|address)\b/.test(t) && /\b(my|me|i)\b/.test(t))
    return { kind: 'contact' };
  if (/^\s*(hi|hello|hey|good (morning|afternoon|evening)|howdy)\b/.test(t)) return { kind: 'greeting' };
  return { kind: 'help' };
}

const HELP =
  'I can check the status of your tickets (for example "What\'s the status of ticket T-1001?") and tell you the email and phone number we have on file for you.';

function directReply(intent: Intent, req: ModelRequest): string {
  if (intent.kind === 'greeting') {
    const name = req.visitor.name ? ` ${req.visitor.name.split(' ')[0]}` : '';
    return `Hi${name}! How can I help you today? ${HELP}`;
  }
  if (intent.kind === 'ticket_status_no_id')
    return 'Which ticket do you mean? Please give me its number, like T-1001.';
  if (req.visitor.anonymous && (intent.kind === 'ticket_status' || intent.kind === 'contact')) {
    return 'Please sign in first, so I can look at your account.';
  }
  return HELP;
}

function trailingResults(messages: readonly ChatMessage[]): { name: string; result: ToolResultForModel }[] {
  const out: { name: string; result: ToolResultForModel }[] = [];
  for (let i = messages.length - 1; i >= 0; i--) {
    const m = messages[i];
    if (m?.role !== 'tool') break;
    out.unshift({ name: m.name, result: m.result });
  }
  return out;
}

const fmtDate = (iso: unknown) =>
  typeof iso === 'string'
    ? new Date(iso).toLocaleDateString('en-US', {
        month: 'long',
        day: 'numeric',
        year: 'numeric',
        timeZone: 'UTC',
      })
    : 'unknown';

function replyFromResults(
  results: { name: string; result: ToolResultForModel }[],
  req: ModelRequest,
): string {
  return results.map(({ name, result }) => replyFromResult(name, result, req)).join('\n\n');
}

function replyFromResult(name: string, result: ToolResultForModel, req: ModelRequest): string {
  const d = result.data ?? {};
  if (result.isError) {
    const error = (d.error ?? {}) as { code?: string };
    if (error.code === 'not_found' && name === 'get_ticket_status') {
      return "I couldn't find that ticket on your account. Please check the number (it looks like T-1001).";
    }
    if (error.code === 'sign_in_required' || req.visitor.anonymous)
      return 'Please sign in first, so I can look at your account.';
    return "Sorry, I couldn't do that just now. Please try again in a moment.";
  }
  if (name === 'get_ticket_status') {
    const reply = d.latest_reply ? ` The latest reply says: "${String(d.latest_reply)}"` : '';
    return `Ticket ${String(d.ticket_id)} ("${String(d.subject)}") is **${String(d.status)}**. It was opened on ${fmtDate(d.created_at)} and last updated on ${fmtDate(d.updated_at)}.${reply}`;
  }
  if (name === 'get_customer_info') {
    return `We have your email as ${String(d.email)} and your phone number as ${d.phone ? String(d.phone) : 'not on file'}.`;
  }
  return 'Done.';
}
