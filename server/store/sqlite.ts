import { mkdirSync } from 'node:fs';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import { type DialectAdapter, Kysely, SqliteAdapter, type SqliteDatabase, SqliteDialect } from 'kysely';
import { startCheckpointer } from './checkpointer.js';
import type { SqliteStore } from './db.js';
import { registerRawSqlite } from './hot.js';
import { runMigrations } from './migrate.js';
import type { Database } from './schema.js';
import { fileSecrets } from './secrets.js';

/**
 * Opens (creating if needed) the SQLite database in the data directory, in WAL mode, and runs
 * pending migrations. synchronous=NORMAL in WAL is durable across process crashes (kill -9); only
 * an OS crash or power loss can drop the last transactions.
 */
export async function openSqliteStore(dataDir: string, fileName = 'deputy.sqlite'): Promise<SqliteStore> {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const file = path.join(dataDir, fileName);
  const sqlite = new SQLite(file);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('busy_timeout = 5000');
  const counter = { n: 0 };
  const db = new Kysely<Database>({
    dialect: new TransactionalDdlSqliteDialect({ database: withStatementCache(sqlite, counter) }),
  });
  // The turn's hottest queries skip Kysely on the same connection (hot.ts).
  registerRawSqlite(db, sqlite, counter);
  try {
    await runMigrations(db, file);
  } catch (err) {
    await db.destroy();
    throw err;
  }
  // Checkpoints run on a worker thread, not inside a turn's COMMIT (checkpointer.ts).
  const checkpointer = startCheckpointer(sqlite, file);
  return {
    db,
    dialect: 'sqlite',
    sqlite,
    file,
    location: file,
    secrets: fileSecrets(dataDir),
    // One process owns the file; SQLite's write lock orders the rest.
    exclusive: (fn) => fn(),
    async ping() {
      try {
        return sqlite.prepare('select 1 as ok').get() !== undefined;
      } catch {
        return false;
      }
    },
    statements: () => counter.n,
    close: async () => {
      await checkpointer.close();
      await db.destroy();
    },
  };
}

/** Kysely's SQLite adapter claims no transactional DDL, although SQLite has it. */
class TransactionalDdlAdapter extends SqliteAdapter {
  override get supportsTransactionalDdl(): boolean {
    return true;
  }
}

/**
 * SQLite whose migrations run in one transaction: a process killed or stopped mid-migration
 * leaves the schema as it was, never half-migrated (docs/operations.md, "Stopping").
 */
export class TransactionalDdlSqliteDialect extends SqliteDialect {
  override createAdapter(): DialectAdapter {
    return new TransactionalDdlAdapter();
  }
}

/** Enough for every distinct query Deputy issues; a full cache starts over rather than growing. */
const STATEMENT_CACHE_SIZE = 500;

/**
 * Kysely prepares every query anew; preparing was 6 % of a saturated turn benchmark. The same SQL
 * text always compiles to the same statement, so prepared statements are kept and reused. (Kysely
 * iterates a statement only for streamed queries, which Deputy does not use, so a cached statement
 * is never busy when it is reused.) Kysely prepares once per statement it runs, BEGIN and COMMIT
 * included, so counting here counts statements like the PostgreSQL pool does.
 */
function withStatementCache(sqlite: SQLite.Database, counter: { n: number }): SqliteDatabase {
  const cache = new Map<string, SQLite.Statement>();
  return {
    prepare(sql: string) {
      counter.n++;
      let stmt = cache.get(sql);
      if (!stmt) {
        if (cache.size >= STATEMENT_CACHE_SIZE) cache.clear();
        stmt = sqlite.prepare(sql);
        cache.set(sql, stmt);
      }
      return stmt;
    },
    close() {
      cache.clear();
      sqlite.close();
    },
  };
}
