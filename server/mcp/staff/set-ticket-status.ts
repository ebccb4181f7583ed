import { z } from 'zod';
import type { Ticket } from '../../crm/adapter.js';
import { CrmStatusUnmappedError } from '../../crm/errors.js';
import { failure, success } from '../tool.js';
import { TICKET_ID, TICKET_STATUS } from '../tools/fields.js';
import { CONFIRMATION, TICKET_OUT, ticketOut } from './fields.js';
import { defineStaffTool } from './staff-tool.js';
import { staffConfirmed } from './staff-write.js';

const NAME = 'set_ticket_status';

export const setTicketStatus = defineStaffTool({
  name: NAME,
  title: 'Change a ticket’s status',
  description:
    'Staff only. Sets the status of a ticket of your site (open, pending = waiting on the customer, solved, closed). The first call only asks: it answers confirmation_required with a summary; ask the operator and call again with the confirmation value to change it.',
  scope: 'crm.write',
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: false },
  input: z.strictObject({
    ticket_id: TICKET_ID,
    status: TICKET_STATUS.describe('The new status: open, pending, solved or closed'),
    confirmation: CONFIRMATION,
  }),
  output: z.object({
    ticket: TICKET_OUT.describe('The ticket after the change'),
    changed: z.boolean().describe('False when the ticket already had that status (nothing written)'),
  }),
  async run(args, ctx) {
    const { crm } = ctx;
    if (!crm.setTicketStatus)
      return failure('not_supported', `The ${crm.name} CRM does not take status changes through Deputy.`);
    const ticket = await crm.getTicket(args.ticket_id);
    if (!ticket) return failure('not_found', `Ticket ${args.ticket_id} was not found.`);
    if (ticket.status === args.status) return success({ ticket: ticketOut(ticket), changed: false });
    return staffConfirmed(
      ctx,
      {
        tool: NAME,
        customer: ticket.customerId ?? `ticket:${ticket.id}`,
        change: { ticket_id: ticket.id, status: args.status },
        summary: `Change ticket ${ticket.id} from ${ticket.status} to ${args.status}?`,
      },
      args.confirmation,
      async () => {
        let done: { ticket: Ticket; changed: boolean } | null | undefined;
        try {
          done = await crm.setTicketStatus?.(ticket.id, args.status);
        } catch (err) {
          // The CRM answered, but no status of its own maps to the one asked (docs/crm.md).
          if (!(err instanceof CrmStatusUnmappedError)) throw err;
          return failure(
            'status_not_mapped',
            `No ${crm.name} status is mapped to "${args.status}" for ticket ${ticket.id}; map one in the site's statusMap (docs/crm.md), or change it in the CRM itself. Nothing was changed.`,
          );
        }
        if (!done) return failure('not_found', `Ticket ${args.ticket_id} was not found.`);
        return success({ ticket: ticketOut(done.ticket), changed: done.changed });
      },
    );
  },
});
