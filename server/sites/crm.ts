import type { CrmConfig, CrmEntry } from '../crm/config.js';
import { DeputyError } from '../errors.js';

/**
 * A site's CRM entry with its secrets read from the environment variables the file names. Boot
 * refuses a variable that is unset or empty, naming the field (docs/crm.md).
 */
export function resolveCrm(siteId: string, entry: CrmEntry, env: NodeJS.ProcessEnv): CrmConfig {
  if (entry.type === 'embedded') return entry;
  const field = `sites.${siteId}.crm`;
  const token = env[entry.tokenEnv];
  if (!token)
    throw new DeputyError(
      'secret_missing',
      `${field}.tokenEnv: environment variable ${entry.tokenEnv} is not set.`,
    );
  if (entry.type === 'zendesk' && entry.emailEnv) {
    const email = env[entry.emailEnv];
    if (!email)
      throw new DeputyError(
        'secret_missing',
        `${field}.emailEnv: environment variable ${entry.emailEnv} is not set.`,
      );
    return { ...entry, token, email };
  }
  return { ...entry, token };
}
