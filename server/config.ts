import path from 'node:path';
import type { JWTVerifyGetKey } from 'jose';
import type { CountryCode } from 'libphonenumber-js';
import type { Scope } from '../shared/scopes.js';
import type { OfficeHours } from './console/office-hours.js';
import type { CrmConfig } from './crm/config.js';
import { DeputyError } from './errors.js';

export type KeyAlg = 'EdDSA' | 'ES256' | 'RS256';

/** How a site's visitor tokens are verified (docs/architecture.md §3), resolved and ready to use. */
export type VisitorKey =
  | { kind: 'hs256'; secret: Uint8Array }
  | { kind: 'jwk'; key: CryptoKey; alg: KeyAlg }
  | { kind: 'jwks'; url: string; algs: KeyAlg[]; keySet: JWTVerifyGetKey };

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
  /** The model answering this site's visitors (the global model when the site names none). */
  model: ModelName;
  /** When operators answer; absent = whenever one is signed in (docs/console.md). */
  officeHours?: OfficeHours;
  /** The CRM this site's customers live in, secrets resolved (docs/architecture.md §11); embedded when unset. */
  crm?: CrmConfig;
}

export type ModelName = 'rules' | 'openai' | 'anthropic';
export const MODELS: readonly ModelName[] = ['rules', 'openai', 'anthropic'];

/** Abuse limits and budgets of the gateway (docs/architecture.md §8); every one overridable by `DEPUTY_LIMIT_*`. */
export interface Limits {
  /** The hello frame must arrive this soon after the upgrade (else close 4401). */
  helloTimeoutMs: number;
  /** Ping interval; a socket that has not answered the previous ping by the next one is terminated. */
  heartbeatMs: number;
  /** Token bucket per connection: sustained inbound frames per second… */
  framesPerSecond: number;
  /** …and the burst it allows. */
  frameBurst: number;
  /** Invalid or throttled frames a connection may send before it is closed 1008. */
  abuseStrikes: number;
  connectionsPerIp: number;
  connectionsPerVisitor: number;
  /** Visitor messages per minute per visitor (across their tabs). */
  messagesPerMinute: number;
  /** Model steps per minute per visitor. */
  modelCallsPerMinute: number;
  /** Bytes queued to a socket beyond which the reader is too slow and is disconnected. */
  maxBufferedBytes: number;
  /** How long a resume's replay waits for a reader that takes nothing before closing it as too slow. */
  replayStallMs: number;
  /** On SIGTERM, how long turns in flight may take to finish. */
  drainTimeoutMs: number;
}

export const DEFAULT_LIMITS: Limits = {
  helloTimeoutMs: 5000,
  heartbeatMs: 30_000,
  framesPerSecond: 10,
  frameBurst: 30,
  abuseStrikes: 20,
  connectionsPerIp: 256,
  connectionsPerVisitor: 16,
  messagesPerMinute: 30,
  modelCallsPerMinute: 120,
  maxBufferedBytes: 1024 * 1024,
  replayStallMs: 10_000,
  drainTimeoutMs: 10_000,
};

export interface Config {
  host: string;
  port: number;
  dataDir: string;
  /** PostgreSQL (`postgres://…`) instead of the SQLite file in the data directory (docs/operations.md). */
  databaseUrl: string | undefined;
  /** Connections each node keeps to PostgreSQL at most (DEPUTY_DB_POOL_SIZE). */
  databasePoolSize: number;
  /** Canonical URL of the MCP server (the `aud` of MCP tokens); derived from the listen address when unset. */
  mcpUrl: string | undefined;
  /** Issuer of MCP tokens, the backend's own URL; derived when unset. */
  publicUrl: string | undefined;
  /** Expected `aud` of visitor tokens. */
  visitorAudience: string;
  model: ModelName;
  sites: Map<string, SiteConfig>;
  limits: Limits;
  /**
   * Whether to believe `X-Forwarded-For` (behind a reverse proxy): false, true, or comma-separated
   * proxy addresses/CIDRs. The per-address connection cap counts the client address it yields.
   */
  trustProxy: boolean | string;
  /** When set, `/metrics` requires `Authorization: Bearer <token>`. */
  metricsToken: string | undefined;
  /**
   * Host names `/mcp` answers to besides those of its own URLs and the loopback names (DNS-rebinding
   * protection, docs/architecture.md §12): names a proxy in front rewrites `Host` to, for instance.
   */
  mcpAllowedHosts: string[];
  /** Serve the demo store page at `/` and mint demo visitor tokens. */
  demo: boolean;
  logLevel: string;
  /** The configuration file in use, if any (for the boot log). */
  configFile: string | undefined;
}

/** The settings that come only from the environment (sites, limits and the file are merged by sites/). */
export type EnvConfig = Omit<Config, 'sites' | 'limits' | 'configFile'>;

/** Reads the process environment into a Config (sites and limits are filled in by `loadSites`). */
export function configFromEnv(env: NodeJS.ProcessEnv = process.env): EnvConfig {
  const port = Number(env.PORT ?? 3000);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new DeputyError('env_invalid', `PORT must be a port number (0-65535), got "${env.PORT}".`);
  }
  const model = (env.DEPUTY_MODEL ?? 'rules') as ModelName;
  if (!MODELS.includes(model)) {
    throw new DeputyError(
      'env_invalid',
      `DEPUTY_MODEL must be one of ${MODELS.join(', ')}, got "${env.DEPUTY_MODEL}".`,
    );
  }
  const poolSize = Number(env.DEPUTY_DB_POOL_SIZE ?? 10);
  // Two at least: boot holds one connection for its advisory lock while seeding through another.
  if (!Number.isInteger(poolSize) || poolSize < 2 || poolSize > 1000) {
    throw new DeputyError(
      'env_invalid',
      `DEPUTY_DB_POOL_SIZE must be an integer from 2 to 1000, got "${env.DEPUTY_DB_POOL_SIZE}".`,
    );
  }
  return {
    host: env.HOST ?? '127.0.0.1',
    port,
    dataDir: path.resolve(env.DEPUTY_DATA_DIR ?? './data'),
    databaseUrl: env.DATABASE_URL || undefined,
    databasePoolSize: poolSize,
    mcpUrl: parseHttpUrl('MCP_URL', env.MCP_URL),
    publicUrl: parseHttpUrl('DEPUTY_PUBLIC_URL', env.DEPUTY_PUBLIC_URL)?.replace(/\/+$/, ''),
    visitorAudience: env.DEPUTY_VISITOR_AUDIENCE ?? 'deputy',
    model,
    trustProxy: parseTrustProxy(env.DEPUTY_TRUST_PROXY),
    metricsToken: env.DEPUTY_METRICS_TOKEN || undefined,
    mcpAllowedHosts: parseHostList(env.DEPUTY_MCP_ALLOWED_HOSTS),
    demo: env.DEPUTY_DEMO !== '0',
    logLevel: env.LOG_LEVEL ?? 'info',
  };
}

/**
 * An http(s) URL without credentials, query or fragment, or undefined when unset. A path is kept: a
 * backend served under a prefix (`https://example.com/deputy`, docs/operations.md) says so here.
 */
function parseHttpUrl(name: string, raw: string | undefined): string | undefined {
  if (!raw) return undefined;
  let url: URL | null = null;
  try {
    url = new URL(raw);
  } catch {
    // Reported below.
  }
  if (!url || !/^https?:$/.test(url.protocol) || url.username || url.password || url.search || url.hash) {
    // Credentials are never echoed (they would reach the logs of whatever runs the server).
    const shown = url && (url.username || url.password) ? 'a URL with credentials' : `"${raw}"`;
    throw new DeputyError(
      'env_invalid',
      `${name} must be an http(s) URL without credentials, query or fragment, got ${shown}.`,
    );
  }
  return raw;
}

/** The path of a base URL without its trailing slash: `https://example.com/deputy/` → `/deputy`; `` for none. */
export function basePath(url: string): string {
  return new URL(url).pathname.replace(/\/+$/, '');
}

/** `a.example.com, b` → hostnames, lower case; a port or a scheme is a mistake worth stopping on. */
function parseHostList(raw: string | undefined): string[] {
  const names = (raw ?? '')
    .split(',')
    .map((n) => n.trim().toLowerCase())
    .filter(Boolean);
  for (const name of names) {
    if (!/^(\[[0-9a-f:.]+\]|[a-z0-9.-]{1,253})$/.test(name)) {
      throw new DeputyError(
        'env_invalid',
        `DEPUTY_MCP_ALLOWED_HOSTS must be comma-separated host names (no scheme or port), got "${name}".`,
      );
    }
  }
  return names;
}

function parseTrustProxy(raw: string | undefined): boolean | string {
  if (!raw || raw === 'false' || raw === '0') return false;
  return raw === 'true' ? true : raw;
}

/** `messagesPerMinute` → `DEPUTY_LIMIT_MESSAGES_PER_MINUTE`. */
export function limitEnvName(key: keyof Limits): string {
  return `DEPUTY_LIMIT_${key.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()}`;
}

/** Limits from the file's `limits` object, then each overridden by its environment variable. */
export function resolveLimits(fromFile: Partial<Limits>, env: NodeJS.ProcessEnv): Limits {
  const limits: Limits = { ...DEFAULT_LIMITS, ...fromFile };
  for (const key of Object.keys(DEFAULT_LIMITS) as (keyof Limits)[]) {
    const name = limitEnvName(key);
    const raw = env[name];
    if (raw === undefined || raw === '') continue;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < 1) {
      throw new DeputyError('env_invalid', `${name} must be a positive integer, got "${raw}".`);
    }
    limits[key] = value;
  }
  return limits;
}
