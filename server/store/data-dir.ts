import { existsSync } from 'node:fs';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import { DeputyError } from '../errors.js';
import { pendingMigrations, unknownMigrations } from './migrate.js';
import { migrations } from './migrations/index.js';

/** The database file's name inside the data directory. */
export const DB_FILE = 'deputy.sqlite';

/** What a data directory holds, read without creating or changing anything. */
export interface DataDirState {
  /** Migrations recorded in the database, in order. */
  applied: string[];
  /** The SQLite file, or the PostgreSQL URL without its password. */
  file: string;
  /** Recorded migrations this build does not know: the directory is from a newer version. */
  unknown: string[];
  /** Migrations this build would still run: the directory is from an older version. */
  pending: string[];
}

/** Reads the migration record of a database file (read-only; the file must exist). */
export function readSchemaState(file: string): DataDirState {
  const db = new SQLite(file, { readonly: true, fileMustExist: true });
  try {
    const table = db
      .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'kysely_migration'")
      .get();
    const applied = table
      ? (db.prepare('SELECT name FROM kysely_migration ORDER BY name').all() as { name: string }[]).map(
          (r) => r.name,
        )
      : [];
    const known = Object.keys(migrations);
    return {
      file,
      applied,
      unknown: applied.filter((n) => !known.includes(n)),
      pending: known.filter((n) => !applied.includes(n)),
    };
  } finally {
    db.close();
  }
}

/**
 * The same check for a PostgreSQL database (DATABASE_URL): reachable (coded errors otherwise),
 * holding Deputy's schema, not from a newer version, migrated. Reads only.
 */
export async function requireCurrentDatabase(
  url: string,
  opts: { allowOlder?: boolean } = {},
): Promise<DataDirState> {
  const { maskDatabaseUrl, readPostgresMigrations } = await import('./postgres.js');
  const where = maskDatabaseUrl(url);
  const applied = await readPostgresMigrations(url);
  const state: DataDirState = {
    file: where,
    applied,
    unknown: unknownMigrations(applied),
    pending: pendingMigrations(applied),
  };
  if (applied.length === 0) {
    throw new DeputyError(
      'data_dir_missing',
      `${where} holds no Deputy schema: start the server once with this DATABASE_URL (the CLI never creates it).`,
    );
  }
  if (state.unknown.length > 0) {
    throw new DeputyError(
      'database_newer',
      `${where} has migrations this version does not know (${state.unknown.join(', ')}): use the Deputy version that wrote it.`,
    );
  }
  if (state.pending.length > 0 && !opts.allowOlder) {
    throw new DeputyError(
      'data_dir_older',
      `${where} lacks migrations ${state.pending.join(', ')}: start this version's server once to migrate it (take a pg_dump first).`,
    );
  }
  return state;
}

/**
 * Checks that `dataDir` holds a database this build can use as it is: it exists (never created
 * here), was not written by a newer version, and needs no migration. The CLI runs this before
 * opening anything, so a mistyped DEPUTY_DATA_DIR fails with a message instead of a fresh, empty
 * directory with a new key.
 */
export function requireCurrentDataDir(dataDir: string, opts: { allowOlder?: boolean } = {}): DataDirState {
  const file = path.join(dataDir, DB_FILE);
  if (!existsSync(file)) {
    throw new DeputyError(
      'data_dir_missing',
      `${file} does not exist: set DEPUTY_DATA_DIR to the server's data directory (start the server once to create it).`,
    );
  }
  const state = readSchemaState(file);
  if (state.unknown.length > 0) {
    throw new DeputyError(
      'data_dir_newer',
      `${file} has migrations this version does not know (${state.unknown.join(', ')}): use the Deputy version that wrote it.`,
    );
  }
  if (state.pending.length > 0 && !opts.allowOlder) {
    throw new DeputyError(
      'data_dir_older',
      `${file} lacks migrations ${state.pending.join(', ')}: start this version's server once to migrate it (take a backup first).`,
    );
  }
  return state;
}
