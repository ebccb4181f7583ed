import { z } from 'zod';
import type { VendorRules } from '../http/client.js';

/** Zendesk Support API v2 shapes (docs/crm.md): integer ids, `{"user":…}`/`{"ticket":…}` envelopes. */
export const ZdUser = z.looseObject({
  id: z.number().int(),
  name: z.string(),
  email: z.string().nullable(),
  phone: z.string().nullable().optional(),
  /** end-user, agent or admin. */
  role: z.string().optional(),
});

export const ZdTicket = z.looseObject({
  id: z.number().int(),
  subject: z.string().nullable(),
  description: z.string().nullable().optional(),
  status: z.string(),
  priority: z.string().nullable().optional(),
  requester_id: z.number().int().nullable(),
  created_at: z.string(),
  updated_at: z.string(),
});
export type ZdTicket = z.infer<typeof ZdTicket>;

export const ZdComment = z.looseObject({
  id: z.number().int(),
  body: z.string(),
  public: z.boolean(),
  author_id: z.number().int().nullable().optional(),
  created_at: z.string(),
});

export const ZdUserEnvelope = z.looseObject({ user: ZdUser });
export const ZdUsers = z.looseObject({ users: z.array(ZdUser) });
export const ZdTicketEnvelope = z.looseObject({ ticket: ZdTicket });
export const ZdTicketPage = z.looseObject({
  tickets: z.array(ZdTicket),
  meta: z.looseObject({ has_more: z.boolean() }).optional(),
  links: z.looseObject({ next: z.string().nullable().optional() }).optional(),
});
export const ZdComments = z.looseObject({ comments: z.array(ZdComment) });

/** Zendesk's rate-limit signal: 429 with `Retry-After` in seconds (its body is text/plain). */
export const zendeskRules: VendorRules = {
  rateLimitWaitMs(status, headers) {
    if (status !== 429) return null;
    const seconds = Number(headers.get('retry-after'));
    return Number.isFinite(seconds) && seconds >= 0 ? seconds * 1000 : 1000;
  },
  errorCode(body) {
    const e = (body as { error?: unknown } | null)?.error;
    return typeof e === 'string' ? e : typeof (e as { title?: unknown })?.title === 'string' ? 'error' : null;
  },
};
