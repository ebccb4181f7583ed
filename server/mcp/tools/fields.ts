import { z } from 'zod';
import { COMMON_STATUSES } from '../../crm/config.js';
import { ANY_TICKET_ID } from '../../crm/ticket-id.js';

/** Field schemas shared by several tools; every one bounded and described. */

/**
 * Ticket ids as customers know them, in any configured CRM's format (F4: anything else is invalid
 * params, no query run); the site's adapter refuses the other formats like a missing ticket.
 */
export const TICKET_ID = z
  .string()
  .regex(ANY_TICKET_ID)
  .describe('Ticket id as the customer knows it (as shown on their ticket or emails)');

/** Staff only (`crm.any`): visitor schemas never have this field (docs/architecture.md §4, S1). */
export const CUSTOMER_ID = z
  .string()
  .regex(/^[A-Za-z0-9_.:@-]{1,128}$/)
  .optional()
  .describe('Customer to act for (staff only); defaults to the signed-in subject');

export const TICKET_STATUS = z.enum(['open', 'pending', 'solved', 'closed']);
/** The common status set every CRM maps onto (docs/crm.md). */
export const TICKET_STATE = z
  .enum(COMMON_STATUSES)
  .describe('Common status: new, in_progress, waiting_on_customer (waiting on you), resolved or closed');
/** The CRM's own name for the status, as the company's team sees it. */
export const STATUS_LABEL = z.string().describe("The CRM's own label for the status");
export const TICKET_PRIORITY = z.enum(['low', 'normal', 'high', 'urgent']);

/** Free text from the model: non-empty after trimming, bounded (F9). */
export function text(min: number, max: number, what: string) {
  return z.string().trim().min(min).max(max).describe(what);
}
