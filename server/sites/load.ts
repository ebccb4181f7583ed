import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { type Config, configFromEnv, resolveLimits, type SiteConfig } from '../config.js';
import { DeputyError } from '../errors.js';
import type { SecretStore } from '../store/secrets.js';
import { resolveCrm } from './crm.js';
import { DEMO_CONFIG } from './demo.js';
import { resolveKey } from './keys.js';
import { ConfigFileSchema, describeIssues, type SiteEntry, SiteSchema } from './schema.js';

/** The file read when DEPUTY_CONFIG is unset (optional: without it the demo site is the configuration). */
export const DEFAULT_CONFIG_FILE = 'deputy.config.json';

function readConfigFile(env: NodeJS.ProcessEnv): { raw: unknown; file: string | undefined } {
  const explicit = env.DEPUTY_CONFIG;
  const file = explicit ? path.resolve(explicit) : path.resolve(DEFAULT_CONFIG_FILE);
  if (!explicit && !existsSync(file)) return { raw: DEMO_CONFIG, file: undefined };
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    throw new DeputyError('config_file_unreadable', `${file}: ${why}`);
  }
  try {
    return { raw: JSON.parse(text), file };
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    throw new DeputyError('config_invalid', `${file}: not valid JSON (${why}).`);
  }
}

function definedOnly<T extends object>(obj: T): { [K in keyof T]?: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(obj).filter(([, v]) => v !== undefined)) as {
    [K in keyof T]?: Exclude<T[K], undefined>;
  };
}

/** `shop-eu` → `DEPUTY_SITE_SHOP_EU_`. */
export function siteEnvPrefix(id: string): string {
  return `DEPUTY_SITE_${id.toUpperCase().replace(/-/g, '_')}_`;
}

/** Environment overrides of one site: `…_ORIGINS` (comma-separated) and `…_SECRET` (an HS256 secret). */
function applySiteEnv(id: string, site: SiteEntry, env: NodeJS.ProcessEnv): SiteEntry {
  const prefix = siteEnvPrefix(id);
  const out = { ...site };
  const origins = env[`${prefix}ORIGINS`];
  if (origins) {
    const list = origins
      .split(',')
      .map((o) => o.trim())
      .filter(Boolean);
    const parsed = SiteSchema.shape.origins.safeParse(list);
    if (!parsed.success) {
      throw new DeputyError('env_invalid', describeIssues(parsed.error, `${prefix}ORIGINS`));
    }
    out.origins = parsed.data;
  }
  const secret = env[`${prefix}SECRET`];
  if (secret) {
    if (secret.length < 32)
      throw new DeputyError('env_invalid', `${prefix}SECRET must be at least 32 characters.`);
    out.keys = [{ type: 'hs256', secret }];
  }
  return out;
}

/**
 * The whole configuration: environment, then `deputy.config.json` (or DEPUTY_CONFIG, or the demo
 * default), then environment overrides. Validated here, at boot, with a message naming the bad field.
 * Sites' generated secrets come from `opts.secrets` (the store's; with PostgreSQL, the database),
 * else from the data directory.
 */
export async function loadConfig(
  env: NodeJS.ProcessEnv = process.env,
  opts: { secrets?: SecretStore } = {},
): Promise<Config> {
  const base = configFromEnv(env);
  const { raw, file } = readConfigFile(env);
  const parsed = ConfigFileSchema.safeParse(raw);
  if (!parsed.success) {
    throw new DeputyError(
      'config_invalid',
      `${file ?? 'default configuration'}: ${describeIssues(parsed.error)}`,
    );
  }
  const data = parsed.data;
  const model = env.DEPUTY_MODEL ? base.model : (data.model ?? 'rules');
  const sites = new Map<string, SiteConfig>();
  for (const [id, entry] of Object.entries(data.sites)) {
    const site = applySiteEnv(id, entry, env);
    const visitorKeys = [];
    for (const [i, key] of site.keys.entries()) {
      visitorKeys.push(
        await resolveKey(id, key, `sites.${id}.keys[${i}]`, {
          dataDir: base.dataDir,
          env,
          secrets: opts.secrets,
        }),
      );
    }
    sites.set(id, {
      id,
      origins: site.origins,
      visitorKeys,
      defaultScopes: site.defaultScopes,
      anonymousScopes: site.anonymousScopes,
      phoneCountry: site.phoneCountry as SiteConfig['phoneCountry'],
      model: site.model ?? model,
      ...(site.officeHours ? { officeHours: site.officeHours } : {}),
      crm: resolveCrm(id, site.crm, env),
    });
  }
  return {
    ...base,
    model,
    visitorAudience: env.DEPUTY_VISITOR_AUDIENCE ?? data.visitorAudience ?? base.visitorAudience,
    sites,
    limits: resolveLimits(definedOnly(data.limits ?? {}), env),
    configFile: file,
  };
}
