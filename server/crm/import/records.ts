import type { CountryCode } from 'libphonenumber-js';
import { z } from 'zod';
import { normalizePhone } from '../../mcp/phone.js';
import { EMBEDDED_TICKET_ID } from '../ticket-id.js';

/**
 * The records `deputy import` accepts (docs/crm.md, "Importing into the embedded CRM"): customers
 * (`customer_id,name,email,phone`) and tickets (`ticket_id,customer_id,subject,description,status,
 * priority,created_at,updated_at`). A file holds one kind, told apart by its `ticket_id` column.
 */
const CUSTOMER_ID = z
  .string()
  .regex(/^[A-Za-z0-9_.@-]{1,128}$/, 'letters, digits and _.@- only (at most 128)');
const Time = z.iso.datetime({ offset: true }).transform((t) => new Date(t).toISOString());

export const CustomerRecord = z.strictObject({
  customer_id: CUSTOMER_ID,
  name: z.string().trim().min(1, 'is required').max(200),
  email: z.email('is not an email address').max(254),
  phone: z.string().max(40).optional().default(''),
});

export const TicketRecord = z.strictObject({
  ticket_id: z.string().regex(EMBEDDED_TICKET_ID, 'must look like T-1234'),
  customer_id: CUSTOMER_ID,
  subject: z.string().trim().min(1, 'is required').max(300),
  description: z.string().max(10_000).optional().default(''),
  status: z.enum(['open', 'pending', 'solved', 'closed']).optional().default('open'),
  priority: z.enum(['low', 'normal', 'high', 'urgent']).optional().default('normal'),
  created_at: Time.optional(),
  updated_at: Time.optional(),
});

export interface ImportCustomer {
  id: string;
  name: string;
  email: string;
  phone: string | null;
}
export type ImportTicket = z.output<typeof TicketRecord>;

export type Checked<T> = { ok: true; value: T } | { ok: false; problems: string[] };

/** One customer row checked, its phone normalised to E.164 with the site's default country. */
export function checkCustomer(raw: Record<string, unknown>, country: CountryCode): Checked<ImportCustomer> {
  const parsed = CustomerRecord.safeParse(blankless(raw));
  if (!parsed.success) return { ok: false, problems: issues(parsed.error) };
  const r = parsed.data;
  let phone: string | null = null;
  if (r.phone) {
    const p = normalizePhone(r.phone, country);
    if (!p.ok) return { ok: false, problems: ['phone: is not a valid phone number'] };
    phone = p.e164;
  }
  return { ok: true, value: { id: r.customer_id, name: r.name, email: r.email.toLowerCase(), phone } };
}

export function checkTicket(raw: Record<string, unknown>): Checked<ImportTicket> {
  const parsed = TicketRecord.safeParse(blankless(raw));
  return parsed.success ? { ok: true, value: parsed.data } : { ok: false, problems: issues(parsed.error) };
}

/** Empty CSV cells mean "not given". */
function blankless(raw: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(raw).filter(([, v]) => v !== '' && v !== null && v !== undefined));
}

function issues(error: z.ZodError): string[] {
  return error.issues.map((i) => {
    const field = i.path.map(String).join('.');
    if (i.code === 'unrecognized_keys') return `unknown column(s): ${i.keys.join(', ')}`;
    return `${field || 'row'}: ${i.message}`;
  });
}
