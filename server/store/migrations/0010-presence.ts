import type { Kysely } from 'kysely';

/**
 * Operators with a console open, per node (docs/scaling.md, "Operator presence"): each node writes
 * its own rows every few seconds, so "is anyone online" counts the operators of every node, and
 * rows of a node that died age out.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('operator_presence')
    .addColumn('node', 'text', (c) => c.notNull())
    .addColumn('operator_id', 'text', (c) => c.notNull())
    .addColumn('site_id', 'text', (c) => c.notNull())
    /** ISO-8601 UTC, compared as text on both engines. */
    .addColumn('seen_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('operator_presence_pk', ['node', 'operator_id'])
    .execute();
  await db.schema
    .createIndex('operator_presence_site')
    .on('operator_presence')
    .columns(['site_id', 'seen_at'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('operator_presence').execute();
}
