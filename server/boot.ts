import type { FastifyInstance } from 'fastify';
import { buildApp } from './app.js';
import { loadSigningKey } from './auth/keys.js';
import type { Config } from './config.js';
import type { LogStream } from './logging.js';
import { loadConfig } from './sites/load.js';
import { openStore } from './store/db.js';
import { isEmpty, runsDemoCrm, seedDemo } from './store/seed.js';

/**
 * Everything `npm start` does before listening: configuration (validated, failing with a message
 * naming the bad field), the database (migrated, seeded with the demo CRM on first start, in demo mode only), the keys
 * in the data directory, and the app.
 */
export async function bootApp(
  env: NodeJS.ProcessEnv = process.env,
  opts: { logStream?: LogStream } = {},
): Promise<{ app: FastifyInstance; config: Config }> {
  const config = await loadConfig(env);
  const store = await openStore(config.dataDir);
  if (runsDemoCrm(config) && (await isEmpty(store))) await seedDemo(store);
  const signingKey = await loadSigningKey(config.dataDir);
  const app = await buildApp(config, {
    store,
    signingKey,
    env,
    ...(opts.logStream ? { logStream: opts.logStream } : {}),
  });
  app.addHook('onClose', async () => store.close());
  return { app, config };
}
