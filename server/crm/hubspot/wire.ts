import { z } from 'zod';
import type { VendorRules } from '../http/client.js';

/** HubSpot's wire shapes (reference: docs/crm.md, HubSpot section): ids are strings, properties string|null. */
const Props = z.record(z.string(), z.string().nullable());

export const HsObject = z.looseObject({
  id: z.string().regex(/^\d{1,20}$/),
  properties: Props,
  createdAt: z.string(),
  updatedAt: z.string(),
  associations: z
    .record(z.string(), z.looseObject({ results: z.array(z.looseObject({ id: z.string() })) }))
    .optional(),
});
export type HsObject = z.infer<typeof HsObject>;

export const HsSearch = z.looseObject({
  total: z.number().optional(),
  results: z.array(HsObject),
  paging: z.looseObject({ next: z.looseObject({ after: z.string() }).optional() }).optional(),
});

export const HsUpsert = z.looseObject({
  results: z.array(HsObject.extend({ new: z.boolean().optional() })).min(1),
});

export const HsPipelines = z.looseObject({
  results: z.array(
    z.looseObject({
      id: z.string(),
      label: z.string(),
      stages: z.array(
        z.looseObject({
          id: z.string(),
          label: z.string(),
          metadata: z.looseObject({ ticketState: z.string().optional() }).optional(),
        }),
      ),
    }),
  ),
});

/**
 * HubSpot's rate-limit signal: 429 (the ten-secondly policy asks for a longer pause than the search
 * "secondly" limit); the `X-HubSpot-RateLimit-*` headers carry no wait, so the policy decides.
 */
export const hubspotRules: VendorRules = {
  rateLimitWaitMs(status, headers, body) {
    if (status !== 429) return null;
    const retryAfter = Number(headers.get('retry-after'));
    if (Number.isFinite(retryAfter) && retryAfter > 0) return retryAfter * 1000;
    const policy = (body as { policyName?: unknown } | null)?.policyName;
    return policy === 'TEN_SECONDLY_ROLLING' ? 1000 : 250;
  },
  errorCode(body) {
    const b = body as { category?: unknown; policyName?: unknown } | null;
    if (typeof b?.policyName === 'string') return b.policyName;
    return typeof b?.category === 'string' ? b.category : null;
  },
};

/** Association type ids (HUBSPOT_DEFINED), from the record created towards its target. */
export const TICKET_TO_CONTACT = 16;
export const NOTE_TO_TICKET = 228;
