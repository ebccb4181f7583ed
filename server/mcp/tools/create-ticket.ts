import { z } from 'zod';
import type { Ticket } from '../../crm/adapter.js';
import { defineTool, failure, success, targetCustomer } from '../tool.js';
import { confirmedWrite, quote } from '../write.js';
import { CUSTOMER_ID, STATUS_LABEL, TICKET_PRIORITY, TICKET_STATE, TICKET_STATUS, text } from './fields.js';

const NAME = 'create_ticket';
/** The same subject and description from the same customer within this window is one ticket (W4). */
export const TICKET_DEDUPE_WINDOW_MS = 10 * 60 * 1000;
/** `_meta` key of an optional idempotency key: a retried call with the same key returns the same ticket. */
export const IDEMPOTENCY_META_KEY = 'io.deputy/idempotency-key';
const IDEMPOTENCY_KEY = /^[A-Za-z0-9_.:-]{1,128}$/;

const fields = {
  subject: text(3, 150, 'One-line summary of the problem, in the customer’s words (3-150 characters)'),
  description: text(1, 4000, 'What happened and what the customer would like (up to 4,000 characters)'),
  priority: TICKET_PRIORITY.optional().describe('How urgent it is; "normal" when omitted'),
};

export const createTicket = defineTool({
  name: NAME,
  title: 'Open a support ticket',
  description:
    'Opens a support ticket for the signed-in customer so a person from the team follows up. The customer must confirm with a button before it is opened; the same request again within 10 minutes returns the ticket already opened.',
  scope: 'crm.ticket.create',
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  inputs: {
    visitor: z.strictObject(fields),
    staff: z.strictObject({ ...fields, customer_id: CUSTOMER_ID }),
    anonymous: z.strictObject({
      ...fields,
      contact_email: z
        .email()
        .max(254)
        .describe('Email address the team should reply to (the visitor is not signed in)'),
    }),
  },
  output: z.object({
    ticket_id: z.string().describe('Ticket id as the customer will know it'),
    subject: z.string().describe('Ticket subject'),
    status: TICKET_STATUS.describe('Current status'),
    state: TICKET_STATE,
    status_label: STATUS_LABEL,
    priority: TICKET_PRIORITY.describe('Priority'),
    created_at: z.string().describe('When the ticket was opened (ISO 8601)'),
    created: z.boolean().describe('False when this request had already opened the ticket (nothing new)'),
  }),
  async run(args, ctx) {
    const { caller, crm } = ctx;
    const contactEmail = (args as { contact_email?: string }).contact_email;
    if (caller.anonymous && !caller.staff && !contactEmail) return failure('sign_in_required');
    const rawKey = ctx.meta?.[IDEMPOTENCY_META_KEY];
    if (rawKey !== undefined && (typeof rawKey !== 'string' || !IDEMPOTENCY_KEY.test(rawKey)))
      return failure('invalid_argument', 'The idempotency key is not valid.');
    const target = await targetCustomer(ctx, args);
    let customerId: string | null = target;
    let replyTo = contactEmail;
    if (!caller.anonymous && !(target && (await crm.getCustomer(target)))) {
      if (caller.staff) return failure('not_found', 'No customer record was found.');
      // A signed-in visitor the CRM does not know still gets a ticket, answered at their verified
      // email (issue 10); without one there is nowhere to answer, which they are told plainly.
      if (!caller.email) return failure('customer_unknown');
      customerId = null;
      replyTo = caller.email;
    }
    const ticket = {
      customerId,
      subject: args.subject,
      description: args.description,
      priority: args.priority ?? ('normal' as const),
      dedupeWindowMs: TICKET_DEDUPE_WINDOW_MS,
      ...(rawKey ? { idempotencyKey: rawKey } : {}),
      ...(replyTo ? { contactEmail: replyTo } : {}),
    };
    const view = (t: Ticket) => ({
      ticket_id: t.id,
      subject: t.subject,
      status: t.status,
      state: t.state,
      status_label: t.statusLabel.slice(0, 100),
      priority: t.priority,
      created_at: t.createdAt,
    });
    // A retry of a request that already opened a ticket returns it without asking again (W4).
    const existing = await crm.findDuplicateTicket(ticket);
    if (existing) return success({ ...view(existing), created: false });
    const whose =
      !caller.staff || customerId === caller.sub ? 'a ticket' : `a ticket for customer ${customerId}`;
    const summary = `Open ${whose}: ${quote(args.subject)} (${ticket.priority} priority)?`;
    return confirmedWrite(
      ctx,
      {
        tool: NAME,
        customer: customerId ?? caller.sub,
        change: {
          subject: ticket.subject,
          description: ticket.description,
          priority: ticket.priority,
          contact_email: replyTo ?? null,
        },
        summary,
      },
      async () => {
        if (caller.anonymous && contactEmail) await crm.ensureGuest(caller.sub, contactEmail);
        const result = await crm.createTicket(ticket);
        return success({ ...view(result.ticket), created: result.created });
      },
    );
  },
});
