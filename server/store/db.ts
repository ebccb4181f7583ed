import { mkdirSync } from 'node:fs';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, Migrator, SqliteDialect } from 'kysely';
import { migrations } from './migrations/index.js';
import type { Database } from './schema.js';

export interface Store {
  db: Kysely<Database>;
  /** The raw connection, for transactions that must be synchronous and for backups. */
  sqlite: SQLite.Database;
  file: string;
  close(): Promise<void>;
}

/**
 * Opens (creating if needed) the SQLite database in the data directory, in WAL mode, and runs
 * pending migrations. synchronous=NORMAL in WAL is durable across process crashes (kill -9); only
 * an OS crash or power loss can drop the last transactions.
 */
export async function openStore(dataDir: string, fileName = 'deputy.sqlite'): Promise<Store> {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const file = path.join(dataDir, fileName);
  const sqlite = new SQLite(file);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('busy_timeout = 5000');
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: sqlite }) });
  const migrator = new Migrator({ db, provider: { getMigrations: async () => migrations } });
  const { error } = await migrator.migrateToLatest();
  if (error) {
    await db.destroy();
    throw new Error(`database migration failed: ${error instanceof Error ? error.message : String(error)}`);
  }
  return {
    db,
    sqlite,
    file,
    close: () => db.destroy(),
  };
}

/** The current time as stored in the database. */
export function nowIso(): string {
  return new Date().toISOString();
}
