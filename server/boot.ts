import type { FastifyInstance } from 'fastify';
import { buildApp } from './app.js';
import { loadSigningKey } from './auth/keys.js';
import { type Config, configFromEnv } from './config.js';
import { resolveSites } from './sites.js';
import { openStore } from './store/db.js';
import { isEmpty, seedDemo } from './store/seed.js';

/**
 * Everything `npm start` does before listening: configuration, the database (migrated, seeded with
 * the demo CRM on first start), the keys in the data directory, and the app.
 */
export async function bootApp(
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ app: FastifyInstance; config: Config }> {
  const base = configFromEnv(env);
  const config: Config = { ...base, sites: resolveSites(base.dataDir) };
  const store = await openStore(config.dataDir);
  if (await isEmpty(store)) await seedDemo(store);
  const signingKey = await loadSigningKey(config.dataDir);
  const app = await buildApp(config, { store, signingKey });
  app.addHook('onClose', async () => store.close());
  return { app, config };
}
