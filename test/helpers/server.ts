import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { bootApp } from '../../server/boot.js';
import type { LogStream } from '../../server/logging.js';

export interface TestServer {
  url: string;
  port: number;
  dataDir: string;
  app: FastifyInstance;
  close(): Promise<void>;
}

/**
 * Boots the real backend on a temp data directory (seeded with the demo CRM) and listens on
 * 127.0.0.1. Pass `dataDir` and `port` to restart a server on the same database and address.
 */
export async function startServer(
  opts: { dataDir?: string; port?: number; env?: Record<string, string>; logStream?: LogStream } = {},
): Promise<TestServer> {
  const dataDir = opts.dataDir ?? mkdtempSync(path.join(tmpdir(), 'deputy-test-'));
  const { app } = await bootApp(
    {
      ...process.env,
      DEPUTY_DATA_DIR: dataDir,
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
