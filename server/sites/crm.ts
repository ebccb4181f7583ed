import type { CrmConfig, CrmEntry, OAuthSecrets } from '../crm/config.js';
import { DeputyError } from '../errors.js';

/** The value of the environment variable a field names; boot refuses one unset or empty. */
function secret(env: NodeJS.ProcessEnv, field: string, name: string): string {
  const value = env[name];
  if (!value) throw new DeputyError('secret_missing', `${field}: environment variable ${name} is not set.`);
  return value;
}

type RemoteEntry = Exclude<CrmEntry, { type: 'embedded' }>;

/** Where a vendor's token endpoint lives when the file does not say (docs/crm.md). */
function defaultTokenUrl(entry: RemoteEntry): string {
  const base = entry.baseUrl.replace(/\/$/, '');
  return entry.type === 'zendesk' ? `${base}/oauth/tokens` : `${base}/services/oauth2/token`;
}

function resolveOAuth(entry: RemoteEntry, field: string, env: NodeJS.ProcessEnv): OAuthSecrets | undefined {
  if (entry.type === 'hubspot' || !entry.oauth) return undefined;
  const o = entry.oauth;
  const f = `${field}.oauth`;
  return {
    grant: o.grant,
    clientId: secret(env, `${f}.clientIdEnv`, o.clientIdEnv),
    clientSecret: secret(env, `${f}.clientSecretEnv`, o.clientSecretEnv),
    ...(o.grant === 'refresh_token'
      ? { refreshToken: secret(env, `${f}.refreshTokenEnv`, o.refreshTokenEnv) }
      : {}),
    tokenUrl: o.tokenUrl ?? defaultTokenUrl(entry),
  };
}

/**
 * A site's CRM entry with its secrets read from the environment variables the file names. Boot
 * refuses a variable that is unset or empty, naming the field (docs/crm.md).
 */
export function resolveCrm(siteId: string, entry: CrmEntry, env: NodeJS.ProcessEnv): CrmConfig {
  if (entry.type === 'embedded') return entry;
  const field = `sites.${siteId}.crm`;
  const oauthSecrets = resolveOAuth(entry, field, env);
  // With OAuth there is no static token: the access token comes from the token endpoint.
  const token = oauthSecrets ? '' : secret(env, `${field}.tokenEnv`, entry.tokenEnv ?? '');
  const resolved = { ...entry, token, ...(oauthSecrets ? { oauthSecrets } : {}) };
  if (entry.type === 'zendesk' && entry.emailEnv && !oauthSecrets)
    return { ...resolved, email: secret(env, `${field}.emailEnv`, entry.emailEnv) };
  return resolved;
}
