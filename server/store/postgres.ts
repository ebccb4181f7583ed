import { Kysely, PostgresDialect, type PostgresPool, type PostgresPoolClient, sql } from 'kysely';
import type { Pool, PoolClient } from 'pg';
import { DeputyError } from '../errors.js';
import type { Store } from './db.js';
import { appliedMigrations, runMigrations } from './migrate.js';
import { isStalePrepared, PreparedNames } from './pg-prepared.js';
import type { Database } from './schema.js';
import { databaseSecrets } from './secrets.js';

/** One lock id for "a node is migrating or seeding": nodes that boot together take turns. */
const BOOT_LOCK = 0x6465_7075; // "depu"

/** How long a connection attempt may take before the database counts as unreachable. */
const CONNECT_TIMEOUT_MS = 5000;

/** Readiness answers within this, database or not. */
const PING_TIMEOUT_MS = 2000;

/** A database URL as printed in messages and logs: never the password. */
export function maskDatabaseUrl(raw: string): string {
  try {
    const url = new URL(raw);
    if (url.password) url.password = '***';
    return url.href;
  } catch {
    return '(unparsable DATABASE_URL)';
  }
}

/** Checks DATABASE_URL's form before any connection (boot refuses a malformed one by name). */
export function parseDatabaseUrl(raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new DeputyError(
      'database_url_invalid',
      'DATABASE_URL is not a URL: expected postgres://user:password@host:5432/database.',
    );
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') {
    throw new DeputyError(
      'database_url_invalid',
      `DATABASE_URL must start with postgres:// or postgresql://, got "${url.protocol}//" (unset it for the embedded SQLite database).`,
    );
  }
  if (!url.hostname) throw new DeputyError('database_url_invalid', 'DATABASE_URL names no host.');
  if (url.pathname.length <= 1) {
    throw new DeputyError('database_url_invalid', 'DATABASE_URL names no database (…/database at the end).');
  }
  return url;
}

/** Names why a connection failed, as one of the coded boot errors. */
export function connectError(err: unknown, url: string): DeputyError {
  const e = err as { code?: string; message?: string };
  const where = maskDatabaseUrl(url);
  const why = e.message ?? String(err);
  if (e.code === '28P01' || e.code === '28000') {
    return new DeputyError(
      'database_auth_failed',
      `${where}: ${why} (check the user and password in DATABASE_URL).`,
    );
  }
  if (e.code === '3D000') {
    return new DeputyError('database_unreachable', `${where}: ${why} (create the database first: createdb).`);
  }
  return new DeputyError('database_unreachable', `${where}: ${why}.`);
}

/**
 * PostgreSQL's bigint (count(*), identity ids, 64-bit columns) arrives from `pg` as a string; every
 * such value Deputy stores fits a double, so it becomes a number here, once, for every query
 * (SQLite returns numbers). Only this pool is affected: `pg`'s global parsers are left alone.
 */
async function makePool(url: string, max: number): Promise<Pool> {
  const { default: pg } = await import('pg');
  const pool = new pg.Pool({
    connectionString: url,
    max,
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    idleTimeoutMillis: 30_000,
    application_name: 'deputy',
    types: {
      getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
        oid === pg.types.builtins.INT8
          ? Number
          : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
    },
  });
  // A pooled connection the server drops (a restart, pg_terminate_backend) emits 'error' while idle;
  // the pool discards it and opens a new one on demand. Unhandled, the event would end the process.
  pool.on('error', () => {});
  // The same for a connection in use: its query rejects (and is coded by asUnavailable), and the
  // event, unhandled, would end the process too.
  pool.on('connect', (client) => {
    client.on('error', () => {});
  });
  return pool;
}

/** SQLSTATEs and socket errors that mean "the server is gone or not yet back", not "the query is wrong". */
const UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  '57P01', // admin_shutdown: a restart or pg_terminate_backend
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now: starting up or shutting down
  '08000',
  '08001',
  '08003',
  '08004',
  '08006',
]);
const UNAVAILABLE_MESSAGE =
  /Connection terminated|connection error|timeout exceeded when trying to connect|not queryable/i;

/**
 * A query or connection that failed because PostgreSQL is unavailable becomes the coded
 * `database_unavailable` (HTTP 503), here at the driver boundary, so every caller sees one error
 * whatever the driver said; the pool replaces the dead connection on the next query. The query
 * is not retried: a write whose COMMIT got no answer may have committed, and only the caller
 * (with its idempotency key or client id) can retry it safely.
 */
export function asUnavailable(err: unknown): unknown {
  if (err instanceof DeputyError) return err;
  const e = err as { code?: unknown; message?: unknown };
  const code = typeof e.code === 'string' ? e.code : '';
  const message = typeof e.message === 'string' ? e.message : '';
  if (!UNAVAILABLE_CODES.has(code) && !UNAVAILABLE_MESSAGE.test(message)) return err;
  const coded = new DeputyError('database_unavailable', `(${code || message.slice(0, 80)})`);
  (coded as { cause?: unknown }).cause = err;
  return coded;
}

/**
 * Counts statements at the driver boundary: each `client.query` is one round trip to the server
 * (BEGIN and COMMIT included), which the bench reports per visitor turn. Failures for want of a
 * server are coded here too (asUnavailable). Statements that repeat are sent as named prepared
 * statements (pg-prepared.ts); one whose preparation went stale is prepared again under a new
 * name and, when no transaction was open (it then ran in one of its own, which rolled back), sent
 * once more; inside a transaction the transaction has failed, and the error goes to the caller.
 */
function countingPool(pool: Pool, counter: { n: number }): PostgresPool {
  const wrapped = new WeakSet<PoolClient>();
  const names = new PreparedNames();
  return {
    async connect(): Promise<PostgresPoolClient> {
      const client = await pool.connect().catch((err: unknown) => {
        throw asUnavailable(err);
      });
      if (!wrapped.has(client)) {
        wrapped.add(client);
        const query = client.query.bind(client) as (...args: unknown[]) => Promise<unknown>;
        const coded = (err: unknown) => {
          throw asUnavailable(err);
        };
        (client as { query: unknown }).query = (...args: unknown[]) => {
          counter.n++;
          const [text, values] = args;
          const name =
            typeof text === 'string' && args.length === 2 && Array.isArray(values)
              ? names.nameFor(text, values.length > 0)
              : undefined;
          if (name === undefined) return query(...args).catch(coded);
          // pg's ReadyForQuery status before this statement: 'I' outside a transaction block.
          const idle = (client as { _txStatus?: unknown })._txStatus === 'I';
          return query({ name, text, values }).catch((err: unknown) => {
            if (!isStalePrepared(err)) return coded(err);
            const renamed = names.renew(text as string);
            if (!idle) return coded(err);
            counter.n++;
            return query({ name: renamed, text, values }).catch(coded);
          });
        };
      }
      return client as unknown as PostgresPoolClient;
    },
    end: () => pool.end(),
  };
}

/** Connects once, naming any failure with a coded error; the caller ends the pool. */
async function connectedPool(rawUrl: string, poolSize: number): Promise<Pool> {
  parseDatabaseUrl(rawUrl);
  const pool = await makePool(rawUrl, poolSize);
  try {
    const probe = await pool.connect();
    probe.release();
    return pool;
  } catch (err) {
    await pool.end().catch(() => {});
    throw connectError(err, rawUrl);
  }
}

/** The migrations a PostgreSQL database has recorded, read without changing anything (the CLI's check). */
export async function readPostgresMigrations(rawUrl: string): Promise<string[]> {
  const pool = await connectedPool(rawUrl, 1);
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  try {
    return await appliedMigrations(db);
  } finally {
    await db.destroy();
    if (!pool.ended) await pool.end();
  }
}

/**
 * Opens Deputy's store on PostgreSQL (DATABASE_URL): checks the URL, connects once to name any
 * failure (unreachable, wrong password, no such database), refuses a schema from a newer Deputy
 * before changing anything, then migrates under an advisory lock so nodes booting together
 * migrate once.
 */
export async function openPostgresStore(rawUrl: string, opts: { poolSize?: number } = {}): Promise<Store> {
  const location = maskDatabaseUrl(rawUrl);
  const pool = await connectedPool(rawUrl, opts.poolSize ?? 10);
  const counter = { n: 0 };
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool: countingPool(pool, counter) }) });
  const exclusive = async <T>(fn: () => Promise<T>): Promise<T> => {
    const client = await pool.connect();
    try {
      await client.query('select pg_advisory_lock($1)', [BOOT_LOCK]);
      try {
        return await fn();
      } finally {
        await client.query('select pg_advisory_unlock($1)', [BOOT_LOCK]);
      }
    } finally {
      client.release();
    }
  };
  const store: Store = {
    db,
    dialect: 'postgres',
    location,
    secrets: databaseSecrets(db),
    exclusive,
    async ping() {
      // Bounded: while the server is down, a connection attempt waits CONNECT_TIMEOUT_MS.
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(false), PING_TIMEOUT_MS);
      });
      const answer = sql`select 1`.execute(db).then(
        () => true,
        () => false,
      );
      try {
        return await Promise.race([answer, timeout]);
      } finally {
        clearTimeout(timer);
      }
    },
    statements: () => counter.n,
    async close() {
      await db.destroy();
      if (!pool.ended) await pool.end();
    },
  };
  try {
    await exclusive(() => runMigrations(db, location));
  } catch (err) {
    await store.close();
    throw err;
  }
  return store;
}
