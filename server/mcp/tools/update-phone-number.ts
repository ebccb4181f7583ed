import { z } from 'zod';
import { lastFour, normalizePhone } from '../phone.js';
import { defineTool, failure, success, targetCustomer } from '../tool.js';
import { confirmedWrite } from '../write.js';
import { CUSTOMER_ID } from './fields.js';

// Lenient on purpose: the tool, not the schema, decides what is a phone number, so a bad one gets
// the specific `invalid_phone` answer (F1-F3); the length cap still stops 300-digit inputs (F2).
const PHONE = z
  .string()
  .min(3)
  .max(40)
  .describe('The new phone number, with country code (e.g. "+44 20 7946 0958") or in national format');

const NAME = 'update_phone_number';

export const updatePhoneNumber = defineTool({
  name: NAME,
  title: 'Change my phone number',
  description:
    "Changes the signed-in customer's phone number on file. The customer must confirm the change with a button before it is saved; setting the number already on file changes nothing.",
  scope: 'crm.contact.update.self',
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: false },
  inputs: {
    visitor: z.strictObject({ phone: PHONE }),
    staff: z.strictObject({ phone: PHONE, customer_id: CUSTOMER_ID }),
  },
  output: z.object({
    customer_id: z.string().describe('CRM customer id'),
    phone: z.string().describe('The phone number now on file, E.164'),
    changed: z.boolean().describe('False when the number was already on file (nothing was written)'),
  }),
  async run(args, ctx) {
    const { caller, crm } = ctx;
    if (caller.anonymous && !caller.staff) return failure('sign_in_required');
    const phone = normalizePhone(args.phone, ctx.phoneCountry);
    if (!phone.ok) return failure('invalid_phone');
    const customerId = await targetCustomer(ctx, args);
    const customer = customerId ? await crm.getCustomer(customerId) : null;
    if (!customerId || !customer)
      return caller.staff
        ? failure('not_found', 'No customer record was found.')
        : failure('customer_unknown');
    // The same number again is a no-op: nothing to confirm, nothing written.
    if (customer.phone === phone.e164)
      return success({ customer_id: customerId, phone: phone.e164, changed: false });
    const whose =
      !caller.staff || customerId === caller.sub ? 'your phone' : `the phone of customer ${customerId}`;
    const summary = customer.phone
      ? `Change ${whose} from ${lastFour(customer.phone)} to ${phone.international}?`
      : `Set ${whose} to ${phone.international}?`;
    return confirmedWrite(
      ctx,
      { tool: NAME, customer: customerId, change: { phone: phone.e164 }, summary },
      async () => {
        const updated = await crm.updatePhone(customerId, phone.e164);
        if (!updated) return failure('not_found', 'No customer record was found.');
        return success({ customer_id: customerId, phone: phone.e164, changed: updated.changed });
      },
    );
  },
});
