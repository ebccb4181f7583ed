import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type SQLite from 'better-sqlite3';
import { describe } from 'vitest';
import { openConfiguredStore, type Store } from '../../server/store/db.js';
import { createTestDatabase, POSTGRES_SKIP_REASON, postgresAvailable } from './postgres.js';

/**
 * Run a suite on each store kind (docs/architecture.md, "The store"): SQLite in a temp data
 * directory, and PostgreSQL in a fresh database on the run's throwaway cluster, skipped with
 * POSTGRES_SKIP_REASON where PostgreSQL is not installed (and failing under CI=true).
 *
 *   describeStores('conversations', (kind) => {
 *     let t: TestStore;
 *     beforeAll(async () => { t = await openTestStore(kind); });
 *     afterAll(() => t.dispose());
 *     it('…', async () => { await t.store.db.selectFrom('messages')… });
 *   });
 *
 * A suite that boots a server instead passes the kind to startServer({ store: kind }) (helpers/
 * server.ts), or spreads `(await storeEnv(kind)).env` into the server's environment. Tests read and
 * change rows through Kysely (`store.db`, or `sql\`…\`.execute(store.db)`), never a driver handle;
 * `sqliteOf(store)` is for the few SQLite-only checks (backups, pragmas).
 */
export type StoreKind = 'sqlite' | 'postgres';
export const STORE_KINDS: readonly StoreKind[] = ['sqlite', 'postgres'];

/** `describe` once per store kind, titled `name [kind]`; the PostgreSQL one skips where it must. */
export function describeStores(name: string, body: (kind: StoreKind) => void): void {
  for (const kind of STORE_KINDS) {
    if (kind === 'postgres' && !postgresAvailable) {
      describe.skip(`${name} [postgres] (${POSTGRES_SKIP_REASON})`, () => body(kind));
    } else {
      describe(`${name} [${kind}]`, () => body(kind));
    }
  }
}

/** The environment that selects a fresh store of `kind` for a server or CLI, and its removal. */
export interface StoreEnv {
  kind: StoreKind;
  /** DEPUTY_DATA_DIR (always: logs and, with SQLite, the database), plus DATABASE_URL for PostgreSQL. */
  env: { DEPUTY_DATA_DIR: string; DATABASE_URL?: string };
  dataDir: string;
  databaseUrl: string | undefined;
  /** Removes the data directory and drops the database. */
  dispose(): Promise<void>;
}

export async function storeEnv(kind: StoreKind): Promise<StoreEnv> {
  const dataDir = mkdtempSync(path.join(tmpdir(), `deputy-${kind}-`));
  const pg = kind === 'postgres' ? await createTestDatabase() : undefined;
  return {
    kind,
    env: pg ? { DEPUTY_DATA_DIR: dataDir, DATABASE_URL: pg.url } : { DEPUTY_DATA_DIR: dataDir },
    dataDir,
    databaseUrl: pg?.url,
    async dispose() {
      rmSync(dataDir, { recursive: true, force: true });
      await pg?.drop();
    },
  };
}

/** An open, migrated store of `kind` on a fresh database. */
export interface TestStore extends StoreEnv {
  store: Store;
}

export async function openTestStore(kind: StoreKind): Promise<TestStore> {
  const where = await storeEnv(kind);
  const store = await openConfiguredStore({ dataDir: where.dataDir, databaseUrl: where.databaseUrl });
  return {
    ...where,
    store,
    async dispose() {
      await store.close();
      await where.dispose();
    },
  };
}

/** The raw SQLite connection of a SQLite store (tests of SQLite-only behaviour). */
export function sqliteOf(store: Store): SQLite.Database {
  if (!store.sqlite) throw new Error(`this check needs a SQLite store, not ${store.dialect}`);
  return store.sqlite;
}
