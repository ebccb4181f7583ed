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

const TokenUrl = z.url().refine((u) => {
  const url = new URL(u);
  return url.protocol === 'https:' || (url.protocol === 'http:' && isLoopbackHost(url.hostname));
}, 'must be an https URL (http only on loopback)');

const client = {
  clientIdEnv: EnvName.describe('Environment variable holding the OAuth client id (consumer key)'),
  clientSecretEnv: EnvName.describe('Environment variable holding the OAuth client secret'),
};

const RefreshGrant = (defaultUrl: string) =>
  z.strictObject({
    grant: z.literal('refresh_token'),
    ...client,
    refreshTokenEnv: EnvName.describe('Environment variable holding the first refresh token'),
    tokenUrl: TokenUrl.optional().describe(`The token endpoint; default ${defaultUrl}`),
  });

/** Salesforce: a connected app's refresh token, or its client-credentials flow (a run-as user). */
const SalesforceOAuth = z
  .discriminatedUnion('grant', [
    RefreshGrant('baseUrl + /services/oauth2/token'),
    z.strictObject({
      grant: z.literal('client_credentials'),
      ...client,
      tokenUrl: TokenUrl.optional().describe('The token endpoint; default baseUrl + /services/oauth2/token'),
    }),
  ])
  .optional()
  .describe('OAuth instead of tokenEnv: access tokens are fetched and refreshed by Deputy');

/** Zendesk: OAuth with a refresh token that rotates on every use (the newest is kept in the database). */
const ZendeskOAuth = RefreshGrant('baseUrl + /oauth/tokens')
  .optional()
  .describe('OAuth instead of tokenEnv: access tokens are fetched and refreshed by Deputy');

/** Exactly one way to authenticate: a static token, or OAuth (only Salesforce and Zendesk). */
function oneAuth(entry: { tokenEnv?: string | undefined; oauth?: unknown }, ctx: z.RefinementCtx): void {
  if (entry.tokenEnv && entry.oauth)
    ctx.addIssue({ code: 'custom', path: ['oauth'], message: 'give either tokenEnv or oauth, not both' });
  if (!entry.tokenEnv && !entry.oauth)
    ctx.addIssue({ code: 'custom', path: ['tokenEnv'], message: 'required (or an oauth block)' });
}

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

const Salesforce = z
  .strictObject({
    type: z.literal('salesforce'),
    ...remote,
    tokenEnv: remote.tokenEnv.optional(),
    oauth: SalesforceOAuth,
    apiVersion: z
      .string()
      .regex(/^v\d{2}\.\d$/)
      .default('v66.0'),
    externalIdField: z
      .string()
      .regex(/^[A-Za-z][A-Za-z0-9_]{0,38}__c$/)
      .default('Chat_Request_Id__c')
      .describe('A unique External ID field on Case used to make creates idempotent'),
  })
  .superRefine(oneAuth);

const Zendesk = z
  .strictObject({
    type: z.literal('zendesk'),
    ...remote,
    tokenEnv: remote.tokenEnv.optional(),
    oauth: ZendeskOAuth,
    emailEnv: EnvName.optional().describe(
      'With an API token: variable holding the agent email (Basic email/token auth); without: the token is an OAuth bearer token',
    ),
  })
  .superRefine(oneAuth);

export const CrmSchema = z
  .discriminatedUnion('type', [Embedded, HubSpot, Salesforce, Zendesk])
  .default({ type: 'embedded', identity: 'sub' });
export type CrmEntry = z.output<typeof CrmSchema>;
export type CrmType = CrmEntry['type'];
export const CRM_TYPES: readonly CrmType[] = ['embedded', 'hubspot', 'salesforce', 'zendesk'];

/** OAuth settings with the secrets read from the environment and the token URL resolved. */
export interface OAuthSecrets {
  grant: 'refresh_token' | 'client_credentials';
  clientId: string;
  clientSecret: string;
  /** The refresh token from the environment (the database may hold a newer, rotated one). */
  refreshToken?: string;
  tokenUrl: string;
}

/**
 * A site's CRM settings with secrets read from the environment (never logged): `token` for a static
 * token, `oauthSecrets` when the site authenticates with OAuth.
 */
export type CrmConfig =
  | Extract<CrmEntry, { type: 'embedded' }>
  | (Exclude<CrmEntry, { type: 'embedded' }> & {
      token: string;
      email?: string;
      oauthSecrets?: OAuthSecrets;
    });
