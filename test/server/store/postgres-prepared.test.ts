import { sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Store } from '../../../server/store/db.js';
import { openPostgresStore } from '../../../server/store/postgres.js';
import { createTestDatabase, POSTGRES_SKIP_REASON, postgresAvailable } from '../../helpers/postgres.js';

/**
 * Named prepared statements on PostgreSQL (server/store/pg-prepared.ts, docs/architecture.md "The
 * store"): a statement that repeats is prepared once on the connection, and one whose preparation
 * went stale (a newer node migrated its table, or the session dropped its statements) is prepared
 * again and answers, without the caller seeing the difference. Statements here run one after
 * another, so the pool (last released, first reused) hands every one the same session, the one
 * `pg_prepared_statements` shows; the tests check that it does.
 */
describe.skipIf(!postgresAvailable)('PostgreSQL: named prepared statements', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let store: Store;
  let other: pg.Client;
  beforeAll(async () => {
    db = await createTestDatabase();
    store = await openPostgresStore(db.url, { poolSize: 2 });
    other = new pg.Client({ connectionString: db.url });
    await other.connect();
    await other.query('create table prep_t (id integer primary key, a text)');
    await other.query("insert into prep_t values (1, 'one'), (2, 'two')");
  }, 60_000);
  afterAll(async () => {
    await other?.end();
    await store?.close();
    await db?.drop();
  });

  let session: number | undefined;
  const prepared = async () => {
    const { rows } = await sql<{ statement: string | null; pid: number }>`
      select p.statement, pg_backend_pid() as pid
        from (select 1) one left join pg_prepared_statements p on true`.execute(store.db);
    session ??= rows[0]?.pid;
    expect(rows[0]?.pid).toBe(session);
    return rows.flatMap((r) => (r.statement === null ? [] : [r.statement]));
  };

  const byId = (id: number) =>
    sql<Record<string, unknown>>`select * from prep_t where id = ${id}`.execute(store.db);

  it('prepares a statement with parameters the second time it is sent, not the first', async () => {
    const text = 'select a from prep_t where id = $1';
    const once = sql<{ a: string }>`select a from prep_t where id = ${1}`;
    expect((await once.execute(store.db)).rows).toEqual([{ a: 'one' }]);
    expect(await prepared()).not.toContain(text);
    expect((await sql<{ a: string }>`select a from prep_t where id = ${2}`.execute(store.db)).rows).toEqual([
      { a: 'two' },
    ]);
    expect(await prepared()).toContain(text);
    // Used again, not prepared again: one statement for the text on the connection.
    for (let i = 0; i < 3; i++) await sql`select a from prep_t where id = ${1}`.execute(store.db);
    expect((await prepared()).filter((s) => s === text)).toHaveLength(1);
    // A very long text (the live bus's flush of many pointers) is not named either.
    const long = sql.raw(Array.from({ length: 400 }, (_, i) => `a as c${i}`).join(', '));
    for (let i = 0; i < 2; i++) await sql`select ${long} from prep_t where id = ${1}`.execute(store.db);
    expect((await prepared()).some((s) => s.includes('c399'))).toBe(false);
    // A statement without parameters (BEGIN, COMMIT, utility statements) is never named.
    await sql`select 1 as one`.execute(store.db);
    await sql`select 1 as one`.execute(store.db);
    expect(await prepared()).not.toContain('select 1 as one');
  });

  it('answers after another node adds a column to the table of a prepared SELECT *', async () => {
    await byId(1);
    await byId(1);
    expect(await prepared()).toContain('select * from prep_t where id = $1');
    await other.query('alter table prep_t add column b integer default 7');
    const before = store.statements();
    expect((await byId(1)).rows).toEqual([{ id: 1, a: 'one', b: 7 }]);
    // The stale statement failed without running, and was sent once more under a new name.
    expect(store.statements() - before).toBe(2);
    expect((await byId(2)).rows).toEqual([{ id: 2, a: 'two', b: 7 }]);
    expect(store.statements() - before).toBe(3);
  });

  it('inside a transaction, a stale statement fails the transaction once; the next one prepares anew', async () => {
    await byId(1);
    await other.query('alter table prep_t add column c integer default 8');
    await expect(
      store.db.transaction().execute(async (tx) => sql`select * from prep_t where id = ${1}`.execute(tx)),
    ).rejects.toMatchObject({
      code: '0A000',
    });
    const rows = await store.db
      .transaction()
      .execute(async (tx) => (await sql`select * from prep_t where id = ${2}`.execute(tx)).rows);
    expect(rows).toEqual([{ id: 2, a: 'two', b: 7, c: 8 }]);
  });

  it('answers after the session dropped its prepared statements', async () => {
    await byId(1);
    expect((await prepared()).length).toBeGreaterThan(0);
    await sql`deallocate all`.execute(store.db);
    expect(await prepared()).toEqual([]);
    expect((await byId(1)).rows).toEqual([{ id: 1, a: 'one', b: 7, c: 8 }]);
  });

  it('leaves a statement that fails for another reason to fail, and prepares nothing for it', async () => {
    const bad = () => sql`select nope from prep_t where id = ${1}`.execute(store.db);
    await expect(bad()).rejects.toMatchObject({ code: '42703' });
    await expect(bad()).rejects.toMatchObject({ code: '42703' });
    expect(await prepared()).not.toContain('select nope from prep_t where id = $1');
  });
});

if (!postgresAvailable) describe.skip(POSTGRES_SKIP_REASON, () => {});
