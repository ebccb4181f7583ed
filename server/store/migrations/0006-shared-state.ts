import { type Kysely, sql } from 'kysely';

/**
 * What nodes sharing one PostgreSQL database must not keep on their own disks (issue 12,
 * docs/architecture.md §9): the generated keys and secrets, and the embedded CRM's next ticket
 * number per site, taken from a counter row instead of `max()+1` over the tickets (two nodes
 * reading the same maximum would mint the same number).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('secrets')
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('value', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('ticket_numbers')
    .addColumn('site_id', 'text', (c) => c.primaryKey())
    .addColumn('last_number', 'bigint', (c) => c.notNull())
    .execute();
  // Sites that already minted numbers go on from their highest; others start at 3001 on first use.
  await sql`INSERT INTO ticket_numbers (site_id, last_number)
    SELECT site_id, max(CAST(substr(id, 3) AS bigint)) FROM tickets
    WHERE id LIKE 'T-%' GROUP BY site_id
    HAVING max(CAST(substr(id, 3) AS bigint)) >= 3001`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('ticket_numbers').execute();
  await db.schema.dropTable('secrets').execute();
}
