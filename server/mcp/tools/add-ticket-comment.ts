import { z } from 'zod';
import { ownedBy } from '../../crm/adapter.js';
import { defineTool, failure, success } from '../tool.js';
import { confirmedWrite, quote } from '../write.js';
import { CUSTOMER_ID, TICKET_ID, text } from './fields.js';

const NAME = 'add_ticket_comment';
/** The same comment on the same ticket within this window is stored once. */
const COMMENT_DEDUPE_WINDOW_MS = 10 * 60 * 1000;

const fields = {
  ticket_id: TICKET_ID,
  body: text(1, 4000, 'The comment to add, in the customer’s words (up to 4,000 characters)'),
};

export const addTicketComment = defineTool({
  name: NAME,
  title: 'Add a comment to my ticket',
  description:
    'Adds a comment from the signed-in customer to one of their own tickets that is not closed. The customer must confirm with a button before it is added.',
  scope: 'crm.write',
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  inputs: {
    visitor: z.strictObject(fields),
    staff: z.strictObject({ ...fields, customer_id: CUSTOMER_ID }),
  },
  output: z.object({
    ticket_id: z.string().describe('Ticket id'),
    comment_id: z.string().describe('Id of the comment in the CRM'),
    created_at: z.string().describe('When the comment was added (ISO 8601)'),
    created: z.boolean().describe('False when the same comment had already been added (nothing new)'),
  }),
  async run(args, ctx) {
    const { caller, crm } = ctx;
    if (caller.anonymous && !caller.staff) return failure('sign_in_required');
    const ticket = await crm.getTicket(args.ticket_id);
    const owner = caller.staff
      ? (args.customer_id ?? ticket?.customerId ?? null)
      : ticket
        ? await ctx.self()
        : null;
    // Someone else's ticket answers exactly like a missing one (S3).
    if (!ticket || !owner || !ownedBy(ticket, owner))
      return failure('not_found', `Ticket ${args.ticket_id} was not found.`);
    if (ticket.status === 'closed') return failure('ticket_closed');
    const summary = `Add this comment to ticket ${ticket.id}: ${quote(args.body, 120)}?`;
    return confirmedWrite(
      ctx,
      { tool: NAME, customer: owner, change: { ticket_id: ticket.id, body: args.body }, summary },
      async () => {
        // Re-read: the ticket may have been closed between the question and the click.
        const now = await crm.getTicket(ticket.id);
        if (!now || now.status === 'closed') return failure('ticket_closed');
        const { comment, created } = await crm.addComment({
          ticketId: ticket.id,
          customerId: owner,
          body: args.body,
          dedupeWindowMs: COMMENT_DEDUPE_WINDOW_MS,
        });
        return success({
          ticket_id: ticket.id,
          comment_id: comment.id,
          created_at: comment.createdAt,
          created,
        });
      },
    );
  },
});
