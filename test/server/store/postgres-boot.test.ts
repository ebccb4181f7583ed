import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { type AddressInfo, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { bootApp } from '../../../server/boot.js';
import { DeputyError } from '../../../server/errors.js';
import { openConfiguredStore } from '../../../server/store/db.js';
import {
  createTestDatabase,
  POSTGRES_SKIP_REASON,
  postgresAdminUrl,
  postgresAvailable,
} from '../../helpers/postgres.js';

/**
 * Bad DATABASE_URLs at boot (docs/operations.md, "PostgreSQL"), against the run's real cluster:
 * each refuses with a coded error naming the cause, never prints the password, and changes nothing.
 */
const scratch = mkdtempSync(path.join(tmpdir(), 'deputy-pgboot-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

async function bootError(databaseUrl: string): Promise<DeputyError> {
  const dataDir = path.join(scratch, `d${Math.random().toString(36).slice(2)}`);
  try {
    const { app } = await bootApp({
      ...process.env,
      DEPUTY_DATA_DIR: dataDir,
      DATABASE_URL: databaseUrl,
      LOG_LEVEL: 'silent',
    });
    await app.close();
  } catch (err) {
    expect(err).toBeInstanceOf(DeputyError);
    // Nodes on PostgreSQL share no disk: boot writes nothing to the data directory either.
    expect(existsSync(dataDir)).toBe(false);
    return err as DeputyError;
  }
  throw new Error(`boot accepted ${databaseUrl}`);
}

describe('a malformed DATABASE_URL', () => {
  it.each([
    ['not a url', 'not a URL'],
    ['mysql://u:p@127.0.0.1/deputy', 'postgres://'],
    ['postgres://u:p@127.0.0.1', 'names no database'],
  ])('refuses %s with database_url_invalid', async (url, says) => {
    const err = await bootError(url);
    expect(err.code).toBe('database_url_invalid');
    expect(err.message).toContain(says);
    expect(err.message).not.toContain(':p@');
  });
});

describe.skipIf(!postgresAvailable)(
  `DATABASE_URL on a real cluster${postgresAvailable ? '' : ` (${POSTGRES_SKIP_REASON})`}`,
  () => {
    const admin = postgresAvailable ? new URL(postgresAdminUrl()) : new URL('postgres://x/y');

    it('refuses a server that does not answer with database_unreachable', async () => {
      // A port nothing listens on: one the system just handed out and took back.
      const url = new URL(admin.href);
      url.port = String(await closedPort());
      const err = await bootError(url.href);
      expect(err.code).toBe('database_unreachable');
      expect(err.message).not.toContain(admin.password);
    });

    it('refuses a wrong password with database_auth_failed, without printing it', async () => {
      const url = new URL(admin.href);
      url.password = 'wrong-password-123';
      const err = await bootError(url.href);
      expect(err.code).toBe('database_auth_failed');
      expect(err.message).toContain('password');
      expect(err.message).not.toContain('wrong-password-123');
    });

    it('refuses a database that does not exist, saying to create it', async () => {
      const url = new URL(admin.href);
      url.pathname = '/deputy_no_such_database';
      const err = await bootError(url.href);
      expect(err.code).toBe('database_unreachable');
      expect(err.message).toContain('createdb');
    });

    it('refuses a database migrated by a newer Deputy with database_newer, changing nothing', async () => {
      const pg = await createTestDatabase();
      try {
        const store = await openConfiguredStore({ dataDir: scratch, databaseUrl: pg.url });
        await sql`insert into kysely_migration (name, timestamp) values ('9999-from-the-future', 'then')`.execute(
          store.db,
        );
        await sql`create table from_the_future (id int)`.execute(store.db);
        const snapshot = async () =>
          (
            await sql<{
              t: string;
            }>`select string_agg(table_name || ':' || column_name, ',' order by table_name, column_name) as t
            from information_schema.columns where table_schema = 'public'`.execute(store.db)
          ).rows[0]?.t;
        const before = await snapshot();
        const err = await bootError(pg.url);
        expect(err.code).toBe('database_newer');
        expect(err.message).toContain('9999-from-the-future');
        expect(await snapshot()).toBe(before);
        const customers = await store.db.selectFrom('customers').select('id').execute();
        expect(customers).toEqual([]);
        await store.close();
      } finally {
        await pg.drop();
      }
    });
  },
);

function closedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}
