import { type Kysely, Migrator } from 'kysely';
import { DeputyError } from '../errors.js';
import { migrations } from './migrations/index.js';
import type { Database } from './schema.js';

/** The migrations a database has recorded, in order (empty for a new database; read-only). */
export async function appliedMigrations(db: Kysely<Database>): Promise<string[]> {
  const tables = await db.introspection.getTables({ withInternalKyselyTables: true });
  if (!tables.some((t) => t.name === 'kysely_migration')) return [];
  const any = db as unknown as Kysely<{ kysely_migration: { name: string } }>;
  const rows = await any.selectFrom('kysely_migration').select('name').orderBy('name').execute();
  return rows.map((r) => r.name);
}

/** The recorded migrations this build does not know: the database was written by a newer Deputy. */
export function unknownMigrations(applied: string[]): string[] {
  const known = Object.keys(migrations);
  return applied.filter((n) => !known.includes(n));
}

/** The migrations this build would still run. */
export function pendingMigrations(applied: string[]): string[] {
  return Object.keys(migrations).filter((n) => !applied.includes(n));
}

/**
 * Brings the schema up to date, on either database. A database written by a newer Deputy is refused
 * before anything is written (its data stays as it was). Each migration runs in a transaction
 * (PostgreSQL has transactional DDL; SQLite is given it in sqlite.ts), so a failure leaves the
 * schema as it was.
 */
export async function runMigrations(db: Kysely<Database>, location: string): Promise<void> {
  const newer = unknownMigrations(await appliedMigrations(db));
  if (newer.length > 0) {
    throw new DeputyError(
      'database_newer',
      `${location} has migrations this version does not know (${newer.join(', ')}): run the Deputy version that wrote it.`,
    );
  }
  const migrator = new Migrator({ db, provider: { getMigrations: async () => migrations } });
  const { error } = await migrator.migrateToLatest();
  if (error) {
    throw new Error(`database migration failed: ${error instanceof Error ? error.message : String(error)}`);
  }
}
