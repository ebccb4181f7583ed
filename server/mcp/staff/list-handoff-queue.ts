import { z } from 'zod';
import { success } from '../tool.js';
import { defineStaffTool } from './staff-tool.js';

export const listHandoffQueue = defineStaffTool({
  name: 'list_handoff_queue',
  title: 'List conversations waiting for a person',
  description:
    'Staff only. Lists the open conversations of your site waiting in the handoff queue, longest waiting first, with the customer (null for an anonymous visitor) and why they were handed over. Answer them in the operator console.',
  scope: 'crm.read',
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  input: z.strictObject({
    limit: z.number().int().min(1).max(100).optional().describe('How many to return at most (default 50)'),
  }),
  output: z.object({
    conversations: z
      .array(
        z.object({
          conversation_id: z.string().describe('Conversation id, as the console shows it'),
          customer_id: z.string().nullable().describe('The customer, or null for an anonymous visitor'),
          queued_at: z.string().nullable().describe('When it joined the queue (ISO 8601)'),
          reason: z.string().nullable().describe('Why it was handed over (e.g. visitor_asked)'),
        }),
      )
      .describe('Waiting conversations, longest waiting first'),
  }),
  async run(args, { staff, operator }) {
    return success({ conversations: await staff.queue(operator.site, args.limit ?? 50) });
  },
});
