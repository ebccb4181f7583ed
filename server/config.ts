import path from 'node:path';
import type { CountryCode } from 'libphonenumber-js';
import type { Scope } from '../shared/scopes.js';

/** How a site's visitor tokens are verified (DESIGN §3). */
export type VisitorKey =
  | { kind: 'hs256'; secret: Uint8Array }
  | { kind: 'jwk'; jwk: Record<string, unknown>; alg: 'EdDSA' | 'ES256' | 'RS256' }
  | { kind: 'jwks'; url: string; algs: ('EdDSA' | 'ES256' | 'RS256')[] };

export interface SiteConfig {
  id: string;
  /** Allowed page origins; `self` means the origin the backend itself is served from. */
  origins: string[];
  visitorKeys: VisitorKey[];
  /** Scopes granted to a signed-in visitor whose token carries no `scope` claim. */
  defaultScopes: Scope[];
  /** Scopes of a visitor with no token. */
  anonymousScopes: Scope[];
  /** Default country for phone numbers typed without a country code. */
  phoneCountry: CountryCode;
}

export type ModelName = 'rules' | 'openai' | 'anthropic';

export interface Config {
  host: string;
  port: number;
  dataDir: string;
  /** Canonical URL of the MCP server (the `aud` of MCP tokens); derived from the listen address when unset. */
  mcpUrl: string | undefined;
  /** Issuer of MCP tokens, the backend's own URL; derived when unset. */
  publicUrl: string | undefined;
  /** Expected `aud` of visitor tokens. */
  visitorAudience: string;
  model: ModelName;
  sites: Map<string, SiteConfig>;
  /** Serve the demo store page at `/` and mint demo visitor tokens. */
  demo: boolean;
  logLevel: string;
}

const MODELS: readonly ModelName[] = ['rules', 'openai', 'anthropic'];

/** Reads the process environment into a Config (sites are filled in by `resolveSites`). */
export function configFromEnv(env: NodeJS.ProcessEnv = process.env): Omit<Config, 'sites'> {
  const port = Number(env.PORT ?? 3000);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`PORT must be a port number (0-65535), got "${env.PORT}"`);
  }
  const model = (env.DEPUTY_MODEL ?? 'rules') as ModelName;
  if (!MODELS.includes(model)) {
    throw new Error(`DEPUTY_MODEL must be one of ${MODELS.join(', ')}, got "${env.DEPUTY_MODEL}"`);
  }
  return {
    host: env.HOST ?? '127.0.0.1',
    port,
    dataDir: path.resolve(env.DEPUTY_DATA_DIR ?? './data'),
    mcpUrl: env.MCP_URL || undefined,
    publicUrl: env.DEPUTY_PUBLIC_URL || undefined,
    visitorAudience: env.DEPUTY_VISITOR_AUDIENCE ?? 'deputy',
    model,
    demo: env.DEPUTY_DEMO !== '0',
    logLevel: env.LOG_LEVEL ?? 'info',
  };
}
