import { existsSync } from 'node:fs';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import { DeputyError } from '../errors.js';
import { pendingMigrations, unknownMigrations } from './migrate.js';

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

function stateOf(file: string, applied: string[]): DataDirState {
  return { file, applied, unknown: unknownMigrations(applied), pending: pendingMigrations(applied) };
}

/**
 * Refuses a database this build cannot use as it is: written by a newer version (`newer`), or
 * needing a migration unless `allowOlder`. `backup` names how to copy it before migrating.
 */
function requireUsable(
  state: DataDirState,
  opts: { allowOlder?: boolean },
  newer: 'database_newer' | 'data_dir_newer',
  backup: string,
): DataDirState {
  if (state.unknown.length > 0) {
    throw new DeputyError(
      newer,
      `${state.file} has migrations this version does not know (${state.unknown.join(', ')}): use the Deputy version that wrote it.`,
    );
  }
  if (state.pending.length > 0 && !opts.allowOlder) {
    throw new DeputyError(
      'data_dir_older',
      `${state.file} lacks migrations ${state.pending.join(', ')}: start this version's server once to migrate it (take ${backup} first).`,
    );
  }
  return state;
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
    return stateOf(file, applied);
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
  if (applied.length === 0) {
    throw new DeputyError(
      'data_dir_missing',
      `${where} holds no Deputy schema: start the server once with this DATABASE_URL (the CLI never creates it).`,
    );
  }
  return requireUsable(stateOf(where, applied), opts, 'database_newer', 'a pg_dump');
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
  return requireUsable(readSchemaState(file), opts, 'data_dir_newer', 'a backup');
}
