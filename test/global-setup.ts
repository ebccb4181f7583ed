import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import type { TestProject } from 'vitest/node';
import {
  findPostgresBinDir,
  type PostgresCluster,
  startPostgresCluster,
} from './helpers/postgres-cluster.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The throwaway cluster's admin URL, or null where PostgreSQL is not installed. */
    postgres: { adminUrl: string; binDir: string } | null;
  }
}

/**
 * Builds once before any test needs it: the widget into dist/widget/ and the operator console into
 * dist/console/ (the e2e and size tests) and the server bundle into dist/server/ (the test of what
 * `npm start` runs). Then starts one throwaway PostgreSQL cluster for the whole run (removed at
 * the end) where the machine has PostgreSQL; `DEPUTY_TEST_POSTGRES=0` leaves it out.
 */
export default async function setup(project: TestProject): Promise<() => void> {
  const built =
    existsSync('dist/widget/widget.js') &&
    existsSync('dist/console/index.html') &&
    existsSync('dist/server/main.mjs');
  if (!built || process.env.DEPUTY_SKIP_BUILD !== '1') {
    execFileSync('npx', ['vite', 'build', '--logLevel', 'warn'], { stdio: 'inherit' });
    execFileSync('npx', ['vite', 'build', '-c', 'vite.console.config.ts', '--logLevel', 'warn'], {
      stdio: 'inherit',
    });
    execFileSync(process.execPath, ['scripts/build-server.mjs'], { stdio: 'inherit' });
  }
  let cluster: PostgresCluster | undefined;
  const binDir = process.env.DEPUTY_TEST_POSTGRES === '0' ? undefined : findPostgresBinDir();
  if (binDir) {
    const started = await startPostgresCluster(binDir);
    cluster = started;
    // A run that is interrupted (Ctrl-C, a CI timeout) must not leave the cluster running.
    process.once('exit', () => started.stop());
    for (const [signal, code] of [
      ['SIGINT', 130],
      ['SIGTERM', 143],
    ] as const) {
      process.once(signal, () => {
        started.stop();
        process.exit(code);
      });
    }
  }
  project.provide('postgres', cluster ? { adminUrl: cluster.adminUrl, binDir: cluster.binDir } : null);
  return () => cluster?.stop();
}
