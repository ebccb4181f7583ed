import type { Kysely } from 'kysely';

/**
 * Conversation state another node may need (docs/architecture.md §9, docs/scaling.md): the lease
 * that lets one node at a time run a conversation's turn, confirm cards waiting on a visitor (so a
 * click on any node, also after the node that showed the card died, writes exactly once), and
 * per-visitor budget windows. Times are ISO-8601 text in UTC like every other table, so SQLite and
 * PostgreSQL compare them alike.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('turn_leases')
    .addColumn('conversation_id', 'text', (c) => c.primaryKey())
    // `<node>:<random>`: a release or renewal touches only the holder's own lease.
    .addColumn('holder', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('pending_confirms')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('conversation_id', 'text', (c) => c.notNull())
    // The visitor message (seq) the turn that asked answers: a re-run turn adopts its card.
    .addColumn('for_seq', 'integer', (c) => c.notNull())
    .addColumn('tool', 'text', (c) => c.notNull())
    .addColumn('args', 'text', (c) => c.notNull())
    .addColumn('summary', 'text', (c) => c.notNull())
    // The MCP server's signed, single-use confirmation state (never sent to the widget or model).
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    // JSON of the confirmed call's result, once written.
    .addColumn('result', 'text')
    .addColumn('node', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('settled_at', 'text')
    .execute();
  await db.schema
    .createIndex('pending_confirms_conv')
    .on('pending_confirms')
    .columns(['conversation_id', 'status'])
    .execute();
  await db.schema
    .createTable('visitor_budgets')
    // `<site>:<sub>:<budget>`; `minute` is the minute (ISO text, truncated) the count is for.
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('minute', 'text', (c) => c.notNull())
    .addColumn('used', 'integer', (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('visitor_budgets').execute();
  await db.schema.dropTable('pending_confirms').execute();
  await db.schema.dropTable('turn_leases').execute();
}
