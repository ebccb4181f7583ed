import { existsSync, renameSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import { configFromEnv } from '../config.js';
import { DeputyError } from '../errors.js';
import { cliContext } from './context.js';
import { type CliCommand, options, UsageError } from './io.js';

/**
 * backup and restore copy the SQLite file; PostgreSQL has its own tools, which do this better
 * (consistent online dumps, point-in-time recovery), so with DATABASE_URL both refuse and say which.
 */
export function refuseOnPostgres(env: NodeJS.ProcessEnv, command: 'backup' | 'restore'): void {
  if (!configFromEnv(env).databaseUrl) return;
  const how =
    command === 'backup'
      ? 'pg_dump --format=custom --file=deputy.dump "$DATABASE_URL"'
      : 'pg_restore --clean --if-exists --dbname="$DATABASE_URL" deputy.dump (with every node stopped)';
  throw new DeputyError(
    'backup_unsupported',
    `DATABASE_URL is set: ${command} with ${how} (docs/operations.md, "PostgreSQL").`,
  );
}

/** Runs SQLite's integrity check on a database file; throws unless it answers "ok". */
export function checkIntegrity(file: string): void {
  let result: unknown;
  try {
    const db = new SQLite(file, { readonly: true, fileMustExist: true });
    try {
      result = db.pragma('integrity_check', { simple: true });
    } finally {
      db.close();
    }
  } catch (err) {
    throw new DeputyError('backup_failed', `${file}: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (result !== 'ok')
    throw new DeputyError('backup_failed', `${file} failed its integrity check: ${result}`);
}

/**
 * `backup FILE`: SQLite's online backup of the server's database, safe while the server serves
 * (it copies a consistent snapshot page by page). Written to FILE.partial, checked, then renamed,
 * so FILE is either a complete backup or absent.
 */
export const backup: CliCommand = {
  name: 'backup',
  usage: `  backup FILE                           copy the database to FILE while the server runs (SQLite online backup)`,
  async run(argv, io) {
    const { positionals } = options(argv, {});
    const target = positionals[0];
    if (!target || positionals.length > 1) throw new UsageError('backup needs one FILE to write');
    refuseOnPostgres(io.env, 'backup');
    const file = path.resolve(target);
    if (existsSync(file)) throw new UsageError(`${file} exists: backup never overwrites, choose a new name`);
    // An older schema is fine to back up (before migrating it is exactly when to).
    const { data } = await cliContext(io, { allowOlder: true });
    const partial = `${file}.partial`;
    const source = new SQLite(data.file, { readonly: true, fileMustExist: true });
    try {
      const { totalPages } = await source.backup(partial);
      checkIntegrity(partial);
      renameSync(partial, file);
      io.err(`[deputy] backed up ${totalPages} pages (${statSync(file).size} bytes) of ${data.file}`);
      io.out(file);
    } catch (err) {
      rmSync(partial, { force: true });
      if (err instanceof DeputyError || err instanceof UsageError) throw err;
      throw new DeputyError('backup_failed', `${file}: ${err instanceof Error ? err.message : String(err)}`);
    } finally {
      source.close();
    }
  },
};
