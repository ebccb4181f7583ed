import { z } from 'zod';

/** Field schemas shared by several tools; every one bounded and described. */

/** Ticket ids look like T-1001 (F4: anything else is invalid params, no query run). */
export const TICKET_ID = z
  .string()
  .regex(/^T-\d{1,10}$/)
  .describe('Ticket id, e.g. "T-1001"');

/** Staff only (`crm.any`): visitor schemas never have this field (docs/architecture.md §4, S1). */
export const CUSTOMER_ID = z
  .string()
  .regex(/^[A-Za-z0-9_.:@-]{1,128}$/)
  .optional()
  .describe('Customer to act for (staff only); defaults to the signed-in subject');

export const TICKET_STATUS = z.enum(['open', 'pending', 'solved', 'closed']);
export const TICKET_PRIORITY = z.enum(['low', 'normal', 'high', 'urgent']);

/** Free text from the model: non-empty after trimming, bounded (F9). */
export function text(min: number, max: number, what: string) {
  return z.string().trim().min(min).max(max).describe(what);
}
