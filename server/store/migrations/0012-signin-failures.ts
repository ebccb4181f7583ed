import type { Kysely } from 'kysely';

/**
 * Failed sign-ins per address and per account, shared by every node on PostgreSQL (docs/scaling.md):
 * a guesser spread over the nodes behind a load balancer meets one count, not one per node (C2).
 * Keys are hashes (`server/console/signin-limit-shared.ts`): no email or address is stored.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('signin_failures')
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('count', 'integer', (c) => c.notNull())
    /** ISO-8601 UTC: the end of the key's window, compared as text on both engines. */
    .addColumn('window_end', 'text', (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('signin_failures').execute();
}
