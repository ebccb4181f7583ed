import { z } from 'zod';

/**
 * `sites.<id>.crm` in deputy.config.json (docs/architecture.md §11): which CRM a site's customers live
 * in. Secrets are never in the file: only the names of the environment variables that hold them.
 */

/** The common status set every CRM's statuses map onto (plus the CRM's own label). */
export const COMMON_STATUSES = ['new', 'in_progress', 'waiting_on_customer', 'resolved', 'closed'] as const;
export type CommonStatus = (typeof COMMON_STATUSES)[number];

const EnvName = z
  .string()
  .regex(/^[A-Z_][A-Z0-9_]*$/, 'must be an environment variable name such as HUBSPOT_TOKEN');

function isLoopbackHost(hostname: string): boolean {
  return hostname === '127.0.0.1' || hostname === 'localhost' || hostname === '[::1]';
}

const BaseUrl = z
  .url()
  .refine((u) => {
    const url = new URL(u);
    return url.protocol === 'https:' || (url.protocol === 'http:' && isLoopbackHost(url.hostname));
  }, 'must be an https URL (http only on loopback)')
  .describe('The API root, e.g. https://api.hubapi.com');

const StatusMap = z
  .record(z.string().min(1).max(100), z.enum(COMMON_STATUSES))
  .optional()
  .describe("The CRM's own status (or HubSpot stage id or label) → the common status; overrides the default");

const Identity = z
  .enum(['sub', 'email'])
  .default('sub')
  .describe(
    '"sub": the visitor token\'s sub is the CRM customer id; "email": find the customer by the verified email claim',
  );

const remote = {
  baseUrl: BaseUrl,
  tokenEnv: EnvName.describe('Environment variable holding the API token'),
  identity: Identity,
  statusMap: StatusMap,
  timeoutMs: z.int().min(100).max(60_000).default(5000).describe('Per-request timeout'),
  maxConcurrency: z.int().min(1).max(64).default(8).describe('Requests in flight to this CRM at once'),
};

const Embedded = z.strictObject({ type: z.literal('embedded'), identity: Identity });

const HubSpot = z.strictObject({
  type: z.literal('hubspot'),
  ...remote,
  apiVersion: z.enum(['v3', '2026-03']).default('v3').describe('Object API path version'),
  pipeline: z.string().min(1).max(64).default('0').describe('Ticket pipeline id new tickets go to'),
  idProperty: z
    .string()
    .regex(/^[a-z][a-z0-9_]{0,99}$/)
    .default('deputy_request_id')
    .describe('A unique-value ticket property used to make creates idempotent'),
});

const Salesforce = z.strictObject({
  type: z.literal('salesforce'),
  ...remote,
  apiVersion: z
    .string()
    .regex(/^v\d{2}\.\d$/)
    .default('v66.0'),
  externalIdField: z
    .string()
    .regex(/^[A-Za-z][A-Za-z0-9_]{0,38}__c$/)
    .default('Chat_Request_Id__c')
    .describe('A unique External ID field on Case used to make creates idempotent'),
});

const Zendesk = z.strictObject({
  type: z.literal('zendesk'),
  ...remote,
  emailEnv: EnvName.optional().describe(
    'With an API token: variable holding the agent email (Basic email/token auth); without: the token is an OAuth bearer token',
  ),
});

export const CrmSchema = z
  .discriminatedUnion('type', [Embedded, HubSpot, Salesforce, Zendesk])
  .default({ type: 'embedded', identity: 'sub' });
export type CrmEntry = z.output<typeof CrmSchema>;
export type CrmType = CrmEntry['type'];
export const CRM_TYPES: readonly CrmType[] = ['embedded', 'hubspot', 'salesforce', 'zendesk'];

/** A site's CRM settings with secrets read from the environment (never logged). */
export type CrmConfig =
  | Extract<CrmEntry, { type: 'embedded' }>
  | (Exclude<CrmEntry, { type: 'embedded' }> & { token: string; email?: string });
