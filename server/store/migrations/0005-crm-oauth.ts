import type { Kysely } from 'kysely';

/**
 * The newest OAuth refresh token per site (docs/crm.md, Zendesk): Zendesk spends a refresh token on
 * every use and hands out a new one, so the newest must outlive a restart. `seed_hash` is the sha256
 * of the refresh token the environment held when the chain began: a different one there means the
 * operator authorised again, and the new chain starts from it.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('crm_oauth')
    .addColumn('site_id', 'text', (c) => c.primaryKey())
    .addColumn('crm', 'text', (c) => c.notNull())
    .addColumn('seed_hash', 'text', (c) => c.notNull())
    .addColumn('refresh_token', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('crm_oauth').execute();
}
