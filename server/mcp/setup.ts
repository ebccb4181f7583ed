import { AjvJsonSchemaValidator } from '@modelcontextprotocol/sdk/validation/ajv-provider.js';
import type { FastifyBaseLogger } from 'fastify';
import { loadOrCreateSecret, type SigningKey } from '../auth/keys.js';
import type { Config } from '../config.js';
import { type CrmRegistry, createCrmRegistry, defaultSite } from '../crm/registry.js';
import type { Store } from '../store/db.js';
import { AuditLog } from './audit.js';
import { McpTokenVerifier } from './auth.js';
import { Confirmations } from './confirmation.js';
import type { McpRoutesOptions } from './http.js';
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
  /** Every site's CRM, built once at boot (docs/architecture.md §11); built here when not given. */
  crms?: CrmRegistry;
}

/**
 * Everything the MCP routes need, built the same way whether the MCP server runs inside the chat
 * backend (`npm start`) or alone (`npm run deputy -- mcp`). The confirmation HMAC key lives in the
 * data directory beside the other keys, so states survive restarts and work across processes.
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
      confirmations: new Confirmations(loadOrCreateSecret(s.config.dataDir, 'mcp-confirmation'), s.store.db),
      phoneCountry: (site) => (site ? sites.get(site)?.phoneCountry : undefined) ?? 'US',
      validator: new AjvJsonSchemaValidator(),
      log: s.log,
      staff: staffDeps(s.store.db),
    },
    resourceUrl: s.resourceUrl,
    issuer: s.issuer,
    allowedOrigins: () => [new URL(s.issuer()).origin, new URL(s.resourceUrl()).origin],
  };
}
