import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, Migrator, sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { TransactionalDdlSqliteDialect } from '../../../server/store/db.js';

const dir = mkdtempSync(path.join(tmpdir(), 'deputy-migrate-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('migrations', () => {
  it('run as one transaction: a migration failing halfway leaves the schema as it was', async () => {
    const file = path.join(dir, 'half.sqlite');
    const db = new Kysely<unknown>({
      dialect: new TransactionalDdlSqliteDialect({ database: new SQLite(file) }),
    });
    const migrator = new Migrator({
      db,
      provider: {
        getMigrations: async () => ({
          '0001-a': { up: async (d) => void (await sql`CREATE TABLE a (x INTEGER)`.execute(d)) },
          '0002-b': {
            up: async (d) => {
              await sql`CREATE TABLE b (x INTEGER)`.execute(d);
              throw new Error('stopped halfway');
            },
          },
        }),
      },
    });
    const { error } = await migrator.migrateToLatest();
    expect(String(error)).toContain('stopped halfway');
    await db.destroy();
    const check = new SQLite(file, { readonly: true });
    const tables = check.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all();
    check.close();
    // Neither a nor b, and no record of 0001 either: the next start runs them all again.
    expect(tables.map((t) => (t as { name: string }).name).filter((n) => !n.startsWith('kysely_'))).toEqual(
      [],
    );
  });
});
