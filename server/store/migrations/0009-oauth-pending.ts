import type { Kysely } from 'kysely';

/**
 * Authorization requests waiting for an operator's sign-in and consent (docs/staff-mcp.md), in the
 * database so that any node can answer the next form post: no sticky sessions (docs/scaling.md).
 * Each row is spent (deleted) by the step that reads it.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('oauth_pending')
    .addColumn('id', 'text', (c) => c.primaryKey())
    /** JSON of the checked authorization request. */
    .addColumn('request', 'text', (c) => c.notNull())
    .addColumn('operator_id', 'text')
    /** ISO-8601 UTC, compared as text on both engines. */
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('oauth_pending_expiry').on('oauth_pending').column('expires_at').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('oauth_pending').execute();
}
