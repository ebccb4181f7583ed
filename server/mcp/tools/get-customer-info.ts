import { z } from 'zod';
import { defineTool } from '../tool.js';

const staffInput = z.strictObject({
  customer_id: z
    .string()
    .regex(/^[A-Za-z0-9_.:@-]{1,128}$/)
    .optional()
    .describe('Customer to look up (staff only)'),
});
const visitorInput = z.strictObject({});

export const getCustomerInfo = defineTool({
  name: 'get_customer_info',
  title: 'Get my customer record',
  description:
    "Returns the signed-in customer's own record: name, email and phone number on file. Takes no arguments; the customer is always the one signed in.",
  scope: 'crm.read',
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  input: (caller) => (caller.staff ? staffInput : visitorInput),
  output: z.object({
    customer_id: z.string().describe('CRM customer id'),
    name: z.string().describe('Full name'),
    email: z.string().describe('Email address on file'),
    phone: z.string().nullable().describe('Phone number on file in E.164 format, or null'),
  }),
  async run(args: { customer_id?: string }, { caller, crm }) {
    if (caller.anonymous)
      return { ok: false, code: 'sign_in_required', message: 'Please sign in to see your details.' };
    const id = caller.staff && args.customer_id ? args.customer_id : caller.sub;
    const customer = await crm.getCustomer(id);
    if (!customer) return { ok: false, code: 'not_found', message: 'No customer record was found.' };
    const data = {
      customer_id: customer.id,
      name: customer.name,
      email: customer.email,
      phone: customer.phone,
    };
    return { ok: true, data, text: JSON.stringify(data) };
  },
});
