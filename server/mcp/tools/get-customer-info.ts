import { z } from 'zod';
import { defineTool, failure, success, targetCustomer } from '../tool.js';
import { CUSTOMER_ID } from './fields.js';

export const getCustomerInfo = defineTool({
  name: 'get_customer_info',
  title: 'Get my customer record',
  description:
    "Returns the signed-in customer's own record: name, email and phone number on file. Takes no arguments; the customer is always the one signed in.",
  scope: 'crm.read',
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  inputs: {
    visitor: z.strictObject({}),
    staff: z.strictObject({ customer_id: CUSTOMER_ID }),
  },
  output: z.object({
    customer_id: z.string().describe('CRM customer id'),
    name: z.string().describe('Full name (customer data)'),
    email: z.string().describe('Email address on file'),
    phone: z.string().nullable().describe('Phone number on file in E.164 format, or null'),
  }),
  async run(args, ctx) {
    const { caller, crm } = ctx;
    if (caller.anonymous && !caller.staff) return failure('sign_in_required');
    const id = await targetCustomer(ctx, args);
    const customer = id ? await crm.getCustomer(id) : null;
    // A signed-in visitor the CRM does not know is told so plainly (issue 10), staff get not_found.
    if (!customer)
      return caller.staff
        ? failure('not_found', 'No customer record was found.')
        : failure('customer_unknown');
    return success({
      customer_id: customer.id,
      name: customer.name.slice(0, 200),
      email: customer.email,
      phone: customer.phone,
    });
  },
});
