import type { FastifyInstance } from 'fastify';
import { buildApp } from './app.js';
import { loadSigningKey } from './auth/keys.js';
import type { Config } from './config.js';
import type { LogStream } from './logging.js';
import { openConfigAndStore } from './store/open.js';
import { storedSecret } from './store/secrets.js';
import { isEmpty, runsDemoCrm, seedDemo } from './store/seed.js';

/**
 * Everything `npm start` does before listening: configuration (validated, failing with a message
 * naming the bad field), the database (SQLite in the data directory, or PostgreSQL with
 * DATABASE_URL; migrated, seeded with the demo CRM on first start in demo mode only), the keys
 * (where the store keeps secrets), and the app.
 */
export async function bootApp(
  env: NodeJS.ProcessEnv = process.env,
  opts: { logStream?: LogStream } = {},
): Promise<{ app: FastifyInstance; config: Config }> {
  const { config, store } = await openConfigAndStore(env);
  try {
    // Nodes booting together on one database seed once.
    await store.exclusive(async () => {
      if (runsDemoCrm(config) && (await isEmpty(store))) await seedDemo(store);
    });
    const signingKey = await loadSigningKey(store.secrets);
    const confirmationKey = await storedSecret(store.secrets, 'mcp-confirmation');
    const app = await buildApp(config, {
      store: store,
      signingKey,
      confirmationKey,
      env,
      ...(opts.logStream ? { logStream: opts.logStream } : {}),
    });
    app.addHook('onClose', async () => store.close());
    return { app, config };
  } catch (err) {
    await store.close();
    throw err;
  }
}
