import { copyFileSync, existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import path from 'node:path';
import { configFromEnv } from '../config.js';
import { DeputyError } from '../errors.js';
import { DB_FILE, readSchemaState } from '../store/data-dir.js';
import { checkIntegrity, refuseOnPostgres } from './backup.js';
import { backendUrl } from './context.js';
import { type CliCommand, options, UsageError } from './io.js';

/** Whether something answers the server's readiness probe at `url` (within a second). */
async function serverAnswers(url: string): Promise<boolean> {
  try {
    await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(1000) });
    return true;
  } catch {
    return false;
  }
}

/**
 * `restore FILE`: puts a backup in place of the database of a stopped server. The backup is
 * checked first (integrity, not from a newer version); the current database is kept beside it as
 * deputy.sqlite.pre-restore-<time> (with its -wal and -shm files), never deleted.
 */
export const restore: CliCommand = {
  name: 'restore',
  usage: `  restore FILE                          replace the database with a backup (stop the server first)`,
  async run(argv, io) {
    const { positionals } = options(argv, {});
    const source = positionals[0];
    if (!source || positionals.length > 1) throw new UsageError('restore needs one backup FILE to read');
    refuseOnPostgres(io.env, 'restore');
    const file = path.resolve(source);
    if (!existsSync(file)) throw new DeputyError('backup_failed', `${file} does not exist.`);
    const env = configFromEnv(io.env);
    const url = backendUrl(env);
    io.err(`[deputy] data: ${env.dataDir}; server: ${url}`);
    checkIntegrity(file);
    const state = readSchemaState(file);
    if (state.unknown.length > 0) {
      throw new DeputyError(
        'data_dir_newer',
        `${file} has migrations this version does not know (${state.unknown.join(', ')}).`,
      );
    }
    if (await serverAnswers(url)) {
      throw new DeputyError(
        'server_running',
        `something answers ${url}/readyz: stop the server, then restore.`,
      );
    }
    mkdirSync(env.dataDir, { recursive: true, mode: 0o700 });
    const target = path.join(env.dataDir, DB_FILE);
    const partial = `${target}.restoring`;
    copyFileSync(file, partial);
    if (existsSync(target)) {
      const aside = `${target}.pre-restore-${new Date().toISOString().replace(/[:.]/g, '-')}`;
      for (const suffix of ['-wal', '-shm', '']) {
        if (existsSync(target + suffix)) renameSync(target + suffix, aside + suffix);
      }
      io.err(`[deputy] the previous database is kept as ${aside}`);
    }
    try {
      renameSync(partial, target);
    } catch (err) {
      rmSync(partial, { force: true });
      throw new DeputyError('backup_failed', err instanceof Error ? err.message : String(err));
    }
    const note = state.pending.length ? ` (the server will migrate it: ${state.pending.join(', ')})` : '';
    io.err(`[deputy] restored ${file} to ${target}${note}`);
  },
};
