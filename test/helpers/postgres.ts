import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { inject } from 'vitest';

/**
 * Per-test-file PostgreSQL databases on the run's throwaway cluster (test/global-setup.ts).
 * Where PostgreSQL is not installed, `postgresAvailable` is false and suites skip with
 * `POSTGRES_SKIP_REASON`, except under CI=true, where `.ci/run` installs it and a missing
 * PostgreSQL fails instead.
 */
/** The cluster; undefined outside a vitest run (a benchmark that reuses a test harness). */
function injected(): ReturnType<typeof inject<'postgres'>> | undefined {
  try {
    return inject('postgres');
  } catch {
    return undefined;
  }
}
const cluster = injected();

export const postgresAvailable = cluster != null;

export const POSTGRES_SKIP_REASON =
  'PostgreSQL is not installed (Debian: apt-get install postgresql); its tests are skipped';

if (cluster === null && process.env.CI === 'true') {
  throw new Error(`CI=true but ${POSTGRES_SKIP_REASON}`);
}
if (cluster === null) console.warn(POSTGRES_SKIP_REASON);

export function postgresAdminUrl(): string {
  if (!cluster) throw new Error(POSTGRES_SKIP_REASON);
  return cluster.adminUrl;
}

/** The directory of the cluster's binaries (pg_dump, psql of the same version). */
export function postgresBinDir(): string {
  if (!cluster) throw new Error(POSTGRES_SKIP_REASON);
  return cluster.binDir;
}

/** Creates a fresh, empty database and returns its URL. `drop()` removes it. */
export async function createTestDatabase(): Promise<{ url: string; name: string; drop(): Promise<void> }> {
  const admin = new URL(postgresAdminUrl());
  const name = `deputy_t_${randomBytes(6).toString('hex')}`;
  const client = new pg.Client({ connectionString: admin.href });
  await client.connect();
  try {
    await client.query(`create database ${name}`);
  } finally {
    await client.end();
  }
  const url = new URL(admin.href);
  url.pathname = `/${name}`;
  return {
    url: url.href,
    name,
    async drop() {
      const c = new pg.Client({ connectionString: admin.href });
      await c.connect();
      try {
        await c.query(`drop database if exists ${name} with (force)`);
      } finally {
        await c.end();
      }
    },
  };
}
