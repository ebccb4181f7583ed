import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { bootApp } from '../../server/boot.js';
import type { LogStream } from '../../server/logging.js';
import { createTestDatabase } from './postgres.js';
import type { StoreKind } from './stores.js';

export interface TestServer {
  url: string;
  port: number;
  dataDir: string;
  /** The environment that selects this server's store (pass it again to restart on the same data). */
  storeEnv: Record<string, string>;
  app: FastifyInstance;
  close(): Promise<void>;
}

/**
 * Boots the real backend on a temp data directory (seeded with the demo CRM) and listens on
 * 127.0.0.1. Pass `dataDir` and `port` to restart a server on the same database and address.
 * `store: 'postgres'` boots it on a fresh PostgreSQL database instead (helpers/stores.ts); a
 * restart passes `env: server.storeEnv` to come back to the same one.
 */
export async function startServer(
  opts: {
    dataDir?: string;
    port?: number;
    env?: Record<string, string>;
    logStream?: LogStream;
    store?: StoreKind;
  } = {},
): Promise<TestServer> {
  const dataDir = opts.dataDir ?? mkdtempSync(path.join(tmpdir(), 'deputy-test-'));
  const storeEnv: Record<string, string> = { DEPUTY_DATA_DIR: dataDir };
  if (opts.store === 'postgres' && !opts.env?.DATABASE_URL) {
    storeEnv.DATABASE_URL = (await createTestDatabase()).url;
  }
  if (opts.env?.DATABASE_URL) storeEnv.DATABASE_URL = opts.env.DATABASE_URL;
  const { DATABASE_URL: _inherited, ...parentEnv } = process.env;
  const { app } = await bootApp(
    {
      ...parentEnv,
      ...storeEnv,
      HOST: '127.0.0.1',
      PORT: String(opts.port ?? 0),
      LOG_LEVEL: process.env.DEPUTY_TEST_LOG ?? 'silent',
      ...opts.env,
    },
    opts.logStream ? { logStream: opts.logStream } : {},
  );
  await app.listen({ host: '127.0.0.1', port: opts.port ?? 0 });
  const url = app.deputy.selfUrl();
  return {
    url,
    port: Number(new URL(url).port),
    dataDir,
    storeEnv,
    app,
    async close() {
      await app.close();
    },
  };
}

/** Removes a temp data directory made by startServer. */
export function removeDataDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}
