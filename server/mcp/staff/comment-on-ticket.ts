import { z } from 'zod';
import { failure, success } from '../tool.js';
import { TICKET_ID, text } from '../tools/fields.js';
import { quote } from '../write.js';
import { CONFIRMATION } from './fields.js';
import { defineStaffTool } from './staff-tool.js';
import { staffConfirmed } from './staff-write.js';

const NAME = 'comment_on_ticket';
/** The same comment on the same ticket within this window is stored once. */
const DEDUPE_WINDOW_MS = 10 * 60 * 1000;

export const commentOnTicket = defineStaffTool({
  name: NAME,
  title: 'Comment on a ticket as yourself',
  description:
    'Staff only. Adds a reply from you (the signed-in operator) to a ticket of your site that is not closed; the CRM records you as its author where it can, the audit log always does. The first call only asks: it answers confirmation_required with a summary; ask the operator and call again with the confirmation value to post it.',
  scope: 'crm.write',
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  input: z.strictObject({
    ticket_id: TICKET_ID,
    body: text(1, 4000, 'The reply, in your words (up to 4,000 characters)'),
    confirmation: CONFIRMATION,
  }),
  output: z.object({
    ticket_id: z.string().describe('Ticket id'),
    comment_id: z.string().describe('Id of the comment in the CRM'),
    created_at: z.string().describe('When the comment was added (ISO 8601)'),
    created: z.boolean().describe('False when the same comment had already been added (nothing new)'),
    author_name: z.string().describe('Whose name the comment carries'),
  }),
  async run(args, ctx) {
    const { crm, operator } = ctx;
    const ticket = await crm.getTicket(args.ticket_id);
    if (!ticket) return failure('not_found', `Ticket ${args.ticket_id} was not found.`);
    if (ticket.status === 'closed') return failure('ticket_closed');
    return staffConfirmed(
      ctx,
      {
        tool: NAME,
        customer: ticket.customerId ?? `ticket:${ticket.id}`,
        change: { ticket_id: ticket.id, body: args.body },
        summary: `Post this reply on ticket ${ticket.id} as ${operator.name}: ${quote(args.body, 120)}?`,
      },
      args.confirmation,
      async () => {
        const now = await crm.getTicket(ticket.id);
        if (!now || now.status === 'closed') return failure('ticket_closed');
        const { comment, created } = await crm.addComment({
          ticketId: ticket.id,
          customerId: ticket.customerId ?? '',
          body: args.body,
          dedupeWindowMs: DEDUPE_WINDOW_MS,
          staffAuthor: { name: operator.name, email: operator.email },
        });
        return success({
          ticket_id: ticket.id,
          comment_id: comment.id,
          created_at: comment.createdAt,
          created,
          author_name: comment.authorName ?? operator.name,
        });
      },
    );
  },
});
