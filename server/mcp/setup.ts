import type { FastifyBaseLogger } from 'fastify';
import { loadOrCreateSecret, type SigningKey } from '../auth/keys.js';
import type { Config } from '../config.js';
import { type CrmRegistry, createCrmRegistry, defaultSite } from '../crm/registry.js';
import type { Store } from '../store/db.js';
import { AuditLog } from './audit.js';
import { McpTokenVerifier } from './auth.js';
import { ClientLogLevels } from './client-log.js';
import { Confirmations } from './confirmation.js';
import { allowedHosts } from './hosts.js';
import type { McpRoutesOptions } from './http.js';
import { InFlight } from './in-flight.js';
import { operatorGrantCheck, staffDeps } from './staff/staff-deps.js';

export interface McpSetup {
  config: Config;
  store: Store;
  signingKey: SigningKey;
  /** Issuer of MCP tokens: the chat backend's own URL. */
  issuer: () => string;
  /** This MCP server's canonical URL (the `aud` of its tokens). */
  resourceUrl: () => string;
  log: FastifyBaseLogger;
  /** The confirmation HMAC key; with a SQLite store it is read from the data directory when absent. */
  confirmationKey?: Uint8Array;
  /** Every site's CRM, built once at boot (docs/architecture.md §11); built here when not given. */
  crms?: CrmRegistry;
}

/**
 * Everything the MCP routes need, built the same way whether the MCP server runs inside the chat
 * backend (`npm start`) or alone (`npm run deputy -- mcp`). The confirmation HMAC key lives with the
 * other keys (the data directory, or the database with PostgreSQL), so states survive restarts and
 * work across processes and nodes.
 */
export function mcpRouteOptions(s: McpSetup): McpRoutesOptions {
  const sites = s.config.sites;
  return {
    verifier: new McpTokenVerifier({
      jwks: { keys: [s.signingKey.publicJwk] },
      issuer: s.issuer,
      audience: s.resourceUrl,
      operatorActive: operatorGrantCheck(s.store.db),
    }),
    deps: {
      crms: s.crms ?? createCrmRegistry(s.config, s.store.db, { log: s.log }),
      defaultSite: defaultSite(sites.keys()),
      audit: new AuditLog(s.store.db),
      confirmations: new Confirmations(confirmationKey(s), s.store.db),
      phoneCountry: (site) => (site ? sites.get(site)?.phoneCountry : undefined) ?? 'US',
      inFlight: new InFlight(),
      logLevels: new ClientLogLevels(),
      log: s.log,
      staff: staffDeps(s.store.db),
    },
    resourceUrl: s.resourceUrl,
    issuer: s.issuer,
    allowedHosts: hostsOf(s),
  };
}

/**
 * The hosts `/mcp` answers to (DNS rebinding, docs/architecture.md §12): those of the backend's and
 * the MCP server's URLs (known once listening, hence computed on demand and kept while they stay the
 * same), the listen address when it is one host, the loopback names and DEPUTY_MCP_ALLOWED_HOSTS.
 */
function hostsOf(s: McpSetup): () => ReadonlySet<string> {
  let key = '';
  let hosts: ReadonlySet<string> = new Set();
  const listen = ['0.0.0.0', '::', ''].includes(s.config.host) ? [] : [s.config.host];
  return () => {
    const urls = [s.issuer(), s.resourceUrl()];
    const now = urls.join(' ');
    if (now !== key) {
      key = now;
      const literal = listen.map((h) => (h.includes(':') ? `[${h}]` : h).toLowerCase());
      hosts = allowedHosts(urls, [...literal, ...s.config.mcpAllowedHosts]);
    }
    return hosts;
  };
}

function confirmationKey(s: McpSetup): Uint8Array {
  if (s.confirmationKey) return s.confirmationKey;
  if (s.store.dialect !== 'sqlite') {
    throw new Error(
      'mcpRouteOptions: a PostgreSQL store needs confirmationKey (storedSecret(store.secrets, …))',
    );
  }
  return loadOrCreateSecret(s.config.dataDir, 'mcp-confirmation');
}
