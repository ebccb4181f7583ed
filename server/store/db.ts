import type SQLite from 'better-sqlite3';
import type { Kysely } from 'kysely';
import type { Dialect } from './dialect.js';
import type { Database } from './schema.js';
import type { SecretStore } from './secrets.js';
import { openSqliteStore } from './sqlite.js';

/**
 * Deputy's database, whichever it is (docs/architecture.md, "The store"): SQLite in the data
 * directory by default, PostgreSQL when DATABASE_URL is set. Everything outside store/ works
 * through `db` (one Kysely query layer) and these methods, never through a driver handle.
 */
export interface Store {
  db: Kysely<Database>;
  dialect: Dialect;
  /** Where the data is, for messages: the SQLite file, or the URL without its password. */
  location: string;
  /** Generated keys and secrets: the data directory's files, or the `secrets` table. */
  secrets: SecretStore;
  /** Whether the database answers a trivial query (readiness); never throws, answers within 2 s. */
  ping(): Promise<boolean>;
  /**
   * Runs `fn` while no other node runs an `exclusive` section on the same database (a PostgreSQL
   * advisory lock): first-start seeding, so nodes booting together seed once.
   */
  exclusive<T>(fn: () => Promise<T>): Promise<T>;
  /** Statements sent to the database so far (each a round trip on PostgreSQL); the bench reads it. */
  statements(): number;
  close(): Promise<void>;
  /** SQLite only: the raw connection, used by the online backup and by tests. */
  sqlite?: SQLite.Database;
  /** SQLite only: the database file. */
  file?: string;
}

/** The embedded default: one SQLite file. */
export interface SqliteStore extends Store {
  dialect: 'sqlite';
  sqlite: SQLite.Database;
  file: string;
}

/** Opens the SQLite store in `dataDir` (see sqlite.ts). */
export function openStore(dataDir: string, fileName = 'deputy.sqlite'): Promise<SqliteStore> {
  return openSqliteStore(dataDir, fileName);
}

/** What selects the store: DATABASE_URL when set (PostgreSQL), else the data directory (SQLite). */
export interface StoreSettings {
  dataDir: string;
  databaseUrl?: string | undefined;
  databasePoolSize?: number | undefined;
}

/** Opens the store the settings select, migrated and ready. */
export async function openConfiguredStore(s: StoreSettings): Promise<Store> {
  if (s.databaseUrl) {
    // Loaded only when wanted: the embedded default never evaluates the PostgreSQL driver.
    const { openPostgresStore } = await import('./postgres.js');
    return openPostgresStore(s.databaseUrl, s.databasePoolSize ? { poolSize: s.databasePoolSize } : {});
  }
  return openStore(s.dataDir);
}

export { TransactionalDdlSqliteDialect } from './sqlite.js';

/** The current time as stored in the database. */
export function nowIso(): string {
  return new Date().toISOString();
}
