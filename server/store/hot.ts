import type SQLite from 'better-sqlite3';
import { CompiledQuery, type Kysely } from 'kysely';
import { dialectOf } from './dialect.js';
import type { Database } from './schema.js';

/** What the hot queries need of a Kysely instance. */
type Db = Pick<Kysely<Database>, 'executeQuery' | 'getExecutor'>;

/**
 * The hottest queries of a visitor turn (docs/architecture.md, "The store"), written once as SQL
 * text instead of Kysely builders: building and compiling a Kysely query took about as much CPU as
 * SQLite running it. On SQLite they run as better-sqlite3 statements prepared once per store, called
 * synchronously; on PostgreSQL as the same text with `$n` placeholders through Kysely's executor
 * (the pool, its statement count and its error handling stay as for every other query).
 */

/** SQLite's connection as the hot queries use it (registered by openSqliteStore). */
export interface RawSqlite {
  /** A statement prepared now, to be kept: each execution through `run`/`get`/`all` counts. */
  prepare(sql: string): RawStatement;
  /** Runs `fn` in one transaction (BEGIN … COMMIT; ROLLBACK when it throws), counted. */
  transaction<T>(fn: () => T): T;
  /**
   * Whether a transaction is open on the connection. Kysely holds its single SQLite connection for
   * a whole transaction across awaits; a raw statement run then would join that transaction (and
   * see, or be rolled back with, its uncommitted writes), so callers wait their turn through Kysely.
   */
  busy(): boolean;
}

export interface RawStatement {
  run(...params: unknown[]): SQLite.RunResult;
  get<R>(...params: unknown[]): R | undefined;
  all<R>(...params: unknown[]): R[];
}

const RAW = new WeakMap<object, RawSqlite>();

/** Makes `sqlite` the raw connection behind `db`, counting into `counter` like Kysely's statements. */
export function registerRawSqlite(db: Db, sqlite: SQLite.Database, counter: { n: number }): void {
  const begin = sqlite.prepare('BEGIN');
  const commit = sqlite.prepare('COMMIT');
  const rollback = sqlite.prepare('ROLLBACK');
  RAW.set(db, {
    prepare(sql) {
      const stmt = sqlite.prepare(sql);
      return {
        run(...params) {
          counter.n++;
          return stmt.run(...params);
        },
        get<R>(...params: unknown[]) {
          counter.n++;
          return stmt.get(...params) as R | undefined;
        },
        all<R>(...params: unknown[]) {
          counter.n++;
          return stmt.all(...params) as R[];
        },
      };
    },
    transaction(fn) {
      counter.n++;
      begin.run();
      try {
        const out = fn();
        counter.n++;
        commit.run();
        return out;
      } catch (err) {
        // A failed statement may already have ended the transaction (SQLite rolls back on some errors).
        if (sqlite.inTransaction) {
          counter.n++;
          rollback.run();
        }
        throw err;
      }
    },
    busy: () => sqlite.inTransaction,
  });
}

/** The raw SQLite connection behind `db`, if it is one openSqliteStore made. */
export function rawSqlite(db: Db): RawSqlite | undefined {
  return RAW.get(db);
}

/**
 * One hot query: SQL text with `?` placeholders, the same on both databases (identifiers in double
 * quotes, no `?` inside literals). Prepared on first use.
 */
export class HotQuery<R> {
  readonly #db: Db;
  readonly #sqlite: string;
  readonly #postgres: string | null;
  readonly #raw: RawSqlite | undefined;
  #stmt: RawStatement | null = null;

  constructor(db: Db, sql: string) {
    this.#db = db;
    this.#sqlite = sql;
    this.#raw = rawSqlite(db);
    let n = 0;
    this.#postgres = dialectOf(db) === 'postgres' ? sql.replace(/\?/g, () => `$${++n}`) : null;
  }

  /** The rows now, when the raw connection can run it now (SQLite, no transaction open); else null. */
  allNow(params: readonly unknown[]): R[] | null {
    if (!this.#raw || this.#raw.busy()) return null;
    this.#stmt ??= this.#raw.prepare(this.#sqlite);
    return this.#stmt.all<R>(...params);
  }

  async all(params: readonly unknown[]): Promise<R[]> {
    const now = this.allNow(params);
    if (now) return now;
    const res = await this.#db.executeQuery<R>(
      CompiledQuery.raw(this.#postgres ?? this.#sqlite, params as unknown[]),
    );
    return res.rows as R[];
  }

  async first(params: readonly unknown[]): Promise<R | undefined> {
    return (await this.all(params))[0];
  }
}

/** Limit values a HotLimitQuery prepares on SQLite; a caller past them binds the limit instead. */
const LIMIT_VARIANTS = 8;

/**
 * A hot query whose last parameter is its `LIMIT` (the SQL ends with `LIMIT ?`). SQLite's planner
 * reads a bound LIMIT's value, so a statement with one is re-prepared on every run that binds it,
 * and better-sqlite3 binds on every call: parsing and planning again cost more than running the
 * query (the ticket read: 2–3× its CPU, bench/FINDINGS.md "SQLite: a LIMIT parameter re-prepares").
 * On SQLite the limit is written into the SQL as an integer literal instead, one statement per
 * value (callers pass a few constants); PostgreSQL keeps it a parameter.
 */
export class HotLimitQuery<R> {
  readonly #db: Db;
  readonly #sql: string;
  readonly #param: HotQuery<R>;
  readonly #literal: Map<number, HotQuery<R>> | null;

  constructor(db: Db, sql: string) {
    if (!sql.endsWith('LIMIT ?')) throw new Error('a HotLimitQuery ends with LIMIT ?');
    this.#db = db;
    this.#sql = sql;
    this.#param = new HotQuery(db, sql);
    this.#literal = dialectOf(db) === 'postgres' ? null : new Map();
  }

  /** The rows for `params` and at most `limit` of them. */
  all(params: readonly unknown[], limit: number): Promise<R[]> {
    const literal = this.#literalFor(limit);
    return literal ? literal.all(params) : this.#param.all([...params, limit]);
  }

  /** SQLite: the statement with `limit` written in, unless it is not a plain count or one too many. */
  #literalFor(limit: number): HotQuery<R> | null {
    const literal = this.#literal;
    // Only a non-negative safe integer is ever written into the SQL text.
    if (!literal || !Number.isSafeInteger(limit) || limit < 0) return null;
    let q = literal.get(limit);
    if (!q) {
      if (literal.size >= LIMIT_VARIANTS) return null;
      q = new HotQuery<R>(this.#db, `${this.#sql.slice(0, -1)}${limit}`);
      literal.set(limit, q);
    }
    return q;
  }
}
