import { crmLiteral } from '../../crm-text.js';
import type { ToolResultForModel } from '../../model.js';
import type { Strings, Ticketish } from './strings.js';

/** Ids, dates and codes: used as they are (the MCP schemas bound their form). */
const str = (v: unknown): string | null => (typeof v === 'string' && v.length > 0 ? v : null);
/** CRM free text (subjects, names, replies): literal in the markdown reply, cut (D1–D4). */
const lit = (v: unknown, max = 200): string | null => {
  const s = str(v);
  return s === null ? null : crmLiteral(s, max) || null;
};

/** The reply to one tool result: names the facts (ids, statuses, dates, subjects). */
export function replyFor(
  name: string,
  args: Record<string, unknown> | null,
  result: ToolResultForModel,
  s: Strings,
  anonymous: boolean,
): string {
  const d = result.data ?? {};
  if (result.isError) return errorReply(name, args, d, s, anonymous);
  switch (name) {
    case 'get_ticket_status':
      return s.ticketStatus({
        ticket_id: lit(d.ticket_id, 40) ?? lit(args?.ticket_id, 40) ?? '',
        subject: lit(d.subject) ?? '',
        status: lit(d.status, 40) ?? 'unknown',
        created_at: str(d.created_at) ?? '',
        updated_at: str(d.updated_at) ?? '',
        latest_reply: lit(d.latest_reply, 300),
      });
    case 'list_my_tickets': {
      const tickets = (Array.isArray(d.tickets) ? d.tickets : []).filter(
        (t): t is Record<string, unknown> => !!t && typeof t === 'object',
      );
      const list: Ticketish[] = tickets.map((t) => ({
        ticket_id: lit(t.ticket_id, 40) ?? lit(t.id, 40) ?? '?',
        subject: lit(t.subject) ?? '',
        status: lit(t.status, 40) ?? 'unknown',
        ...(str(t.updated_at) ? { updated_at: String(t.updated_at) } : {}),
      }));
      return s.ticketList(list, str(args?.status));
    }
    case 'get_customer_info':
      return s.contact({ name: lit(d.name, 120), email: lit(d.email, 254), phone: str(d.phone) });
    case 'update_phone_number':
      return d.changed === false
        ? s.phoneUnchanged(str(d.phone) ?? str(args?.phone))
        : s.phoneUpdated(str(d.phone) ?? str(args?.phone));
    case 'create_ticket':
      return s.ticketCreated(
        lit(d.ticket_id, 40) ?? lit(d.id, 40) ?? '?',
        lit(d.subject) ?? lit(args?.subject),
        d.existing === true || d.created === false || d.duplicate === true,
      );
    case 'add_ticket_comment':
      return s.commentAdded(lit(d.ticket_id, 40) ?? lit(args?.ticket_id, 40) ?? '');
    default:
      return s.generic;
  }
}

function errorReply(
  name: string,
  args: Record<string, unknown> | null,
  d: Record<string, unknown>,
  s: Strings,
  anonymous: boolean,
): string {
  const code = (d.error as { code?: unknown } | undefined)?.code;
  const ticket = lit(args?.ticket_id, 40);
  switch (code) {
    case 'declined':
      return s.declined;
    case 'confirmation_expired':
      return s.expired;
    case 'not_found':
      return name === 'get_customer_info' ? s.generic : s.notFoundTicket(ticket);
    case 'invalid_phone':
      return `${s.badPhone} ${s.prompts.ask_phone}`;
    case 'ticket_closed':
      return s.ticketClosed(ticket);
    case 'sign_in_required':
      return s.signIn;
    case 'insufficient_scope':
      return anonymous ? s.signIn : `${s.cannotHere} ${s.prompts.offer_ticket}`;
    case 'confirmation_invalid':
    case 'confirmation_malformed':
      return s.confirmationInvalid;
    case 'invalid_argument':
      return name === 'get_ticket_status' ? s.notFoundTicket(ticket) : s.invalidArgument;
    default:
      return anonymous ? s.signIn : s.generic;
  }
}
