import { type Kysely, sql } from 'kysely';
import { int64 } from '../dialect.js';

/**
 * Safe writes (issue 3): single-use confirmation ids that survive restarts and per-request servers,
 * idempotency keys and guest contact emails on tickets, and the conversation id in the audit log.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('confirmation_uses')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('sub', 'text', (c) => c.notNull())
    .addColumn('tool', 'text', (c) => c.notNull())
    .addColumn('expires_at', int64(db), (c) => c.notNull())
    .addColumn('used_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('confirmation_uses_expiry')
    .on('confirmation_uses')
    .column('expires_at')
    .execute();
  await db.schema.alterTable('tickets').addColumn('idempotency_key', 'text').execute();
  await db.schema.alterTable('tickets').addColumn('contact_email', 'text').execute();
  // A retried create_ticket with the same key finds the ticket it made (issue 3, W4).
  await sql`CREATE UNIQUE INDEX tickets_idempotency ON tickets (customer_id, idempotency_key) WHERE idempotency_key IS NOT NULL`.execute(
    db,
  );
  await db.schema
    .createIndex('tickets_customer_created')
    .on('tickets')
    .columns(['customer_id', 'created_at'])
    .execute();
  await db.schema.alterTable('audit_log').addColumn('cid', 'text').execute();
  await db.schema.createIndex('audit_log_at').on('audit_log').column('at').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('audit_log_at').execute();
  await db.schema.alterTable('audit_log').dropColumn('cid').execute();
  await db.schema.dropIndex('tickets_customer_created').execute();
  await db.schema.dropIndex('tickets_idempotency').execute();
  await db.schema.alterTable('tickets').dropColumn('contact_email').execute();
  await db.schema.alterTable('tickets').dropColumn('idempotency_key').execute();
  await db.schema.dropTable('confirmation_uses').execute();
}
