import { type Config, configFromEnv } from '../config.js';
import { loadConfig } from '../sites/load.js';
import { openConfiguredStore, type Store } from './db.js';

/**
 * The configuration and the store it selects, opened in the order each needs: with PostgreSQL
 * (DATABASE_URL) the store first, because sites' generated secrets are in the database; with SQLite
 * the configuration first, so a bad configuration fails before the data directory is touched.
 * The store is closed again if the configuration fails.
 */
export async function openConfigAndStore(
  env: NodeJS.ProcessEnv,
  open: (settings: Parameters<typeof openConfiguredStore>[0]) => Promise<Store> = openConfiguredStore,
): Promise<{ config: Config; store: Store }> {
  const base = configFromEnv(env);
  let store: Store | undefined = base.databaseUrl ? await open(base) : undefined;
  try {
    const config = await loadConfig(env, store ? { secrets: store.secrets } : {});
    store ??= await open(config);
    return { config, store };
  } catch (err) {
    await store?.close();
    throw err;
  }
}
