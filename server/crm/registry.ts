import type { Kysely } from 'kysely';
import type { Config } from '../config.js';
import type { Database } from '../store/schema.js';
import type { CrmAdapter } from './adapter.js';
import type { CrmConfig, CrmType } from './config.js';
import { EmbeddedCrm } from './embedded.js';
import type { CrmHttpDeps } from './http/client.js';
import { OAuthSession } from './http/oauth.js';
import { sqlRefreshStore } from './http/refresh-store.js';
import { HubSpotCrm } from './hubspot/adapter.js';
import { SalesforceCrm } from './salesforce/adapter.js';
import { ZendeskCrm } from './zendesk/adapter.js';

/** One site's CRM as the MCP tools use it. */
export interface SiteCrm {
  siteId: string;
  type: CrmType;
  identity: 'sub' | 'email';
  adapter: CrmAdapter;
}

/** Every site's CRM, built once at boot; the MCP server picks one by the token's `site` claim. */
export type CrmRegistry = Map<string, SiteCrm>;

/** The adapter for one site's CRM settings. */
export function createAdapter(
  siteId: string,
  crm: CrmConfig,
  db: Kysely<Database>,
  http: CrmHttpDeps,
): CrmAdapter {
  switch (crm.type) {
    case 'embedded':
      return new EmbeddedCrm(db, siteId);
    case 'hubspot':
      return new HubSpotCrm(crm, { ...http, siteId });
    case 'salesforce':
      return new SalesforceCrm(crm, { ...http, siteId, ...oauthOf(siteId, crm, db, http) });
    case 'zendesk':
      return new ZendeskCrm(crm, { ...http, siteId, ...oauthOf(siteId, crm, db, http) });
  }
}

/** The site's OAuth session when it authenticates with OAuth (docs/crm.md), one per adapter. */
function oauthOf(
  siteId: string,
  crm: Extract<CrmConfig, { type: 'salesforce' | 'zendesk' }>,
  db: Kysely<Database>,
  http: CrmHttpDeps,
): { oauth?: OAuthSession } {
  if (!crm.oauthSecrets) return {};
  const labels = { crm: crm.type, site: siteId };
  const oauth = new OAuthSession(crm.type, crm.oauthSecrets, {
    ...(http.fetch ? { fetch: http.fetch } : {}),
    ...(http.log ? { log: http.log } : {}),
    timeoutMs: crm.timeoutMs,
    store: sqlRefreshStore(db, siteId, crm.type),
    count: (outcome) => http.metrics?.requests.inc({ ...labels, outcome }),
  });
  return { oauth };
}

/**
 * Builds the registry and starts what adapters load at start (HubSpot's pipeline stages). A CRM that
 * does not answer at boot is logged, not fatal: its tools answer `crm_unavailable` until it does.
 */
export async function buildCrmRegistry(
  config: Pick<Config, 'sites'>,
  db: Kysely<Database>,
  http: CrmHttpDeps,
): Promise<CrmRegistry> {
  const registry = createCrmRegistry(config, db, http);
  await Promise.all(
    [...registry.values()].map(async ({ adapter, siteId, type }) => {
      const start = (adapter as { start?: () => Promise<void> }).start;
      if (!start) return;
      try {
        await start.call(adapter);
      } catch (err) {
        http.log?.warn({ site: siteId, crm: type, err: String(err) }, 'CRM did not answer at start');
      }
    }),
  );
  return registry;
}

/** The registry without starting anything (adapters then load what they need on first use). */
export function createCrmRegistry(
  config: Pick<Config, 'sites'>,
  db: Kysely<Database>,
  http: CrmHttpDeps,
): CrmRegistry {
  const registry: CrmRegistry = new Map();
  for (const [siteId, site] of config.sites) {
    const crm: CrmConfig = site.crm ?? { type: 'embedded', identity: 'sub' };
    const adapter = createAdapter(siteId, crm, db, http);
    registry.set(siteId, { siteId, type: crm.type, identity: crm.identity, adapter });
  }
  return registry;
}

/** The site a token without a `site` claim means: the only site, else `demo`. */
export function defaultSite(sites: Iterable<string>): string {
  const ids = [...sites];
  return ids.length === 1 && ids[0] ? ids[0] : 'demo';
}
