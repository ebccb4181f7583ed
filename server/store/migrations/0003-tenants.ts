import { type Kysely, sql } from 'kysely';
import { autoIdSql, dialectOf } from '../dialect.js';

/**
 * Tenants (issue 10): every embedded CRM record, audit row and used confirmation belongs to a site.
 * Customer and ticket ids are unique per site only, so the same `sub` on two sites names two different
 * customers (docs/threat-model.md S3). Rows written before sites existed belong to the `demo` site.
 * SQLite cannot change a primary key in place, so the three CRM tables are rebuilt and copied.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`CREATE TABLE customers_t (
    site_id TEXT NOT NULL, id TEXT NOT NULL, name TEXT NOT NULL, email TEXT NOT NULL, phone TEXT,
    created_at TEXT NOT NULL, updated_at TEXT NOT NULL, PRIMARY KEY (site_id, id))`.execute(db);
  await sql`CREATE TABLE tickets_t (
    site_id TEXT NOT NULL, id TEXT NOT NULL, customer_id TEXT NOT NULL, subject TEXT NOT NULL,
    description TEXT NOT NULL, status TEXT NOT NULL, priority TEXT NOT NULL DEFAULT 'normal',
    created_at TEXT NOT NULL, updated_at TEXT NOT NULL, idempotency_key TEXT, contact_email TEXT,
    PRIMARY KEY (site_id, id),
    FOREIGN KEY (site_id, customer_id) REFERENCES customers_t (site_id, id))`.execute(db);
  await sql`CREATE TABLE ticket_comments_t (
    id ${sql.raw(autoIdSql(db))}, site_id TEXT NOT NULL, ticket_id TEXT NOT NULL,
    author TEXT NOT NULL, body TEXT NOT NULL, created_at TEXT NOT NULL,
    FOREIGN KEY (site_id, ticket_id) REFERENCES tickets_t (site_id, id))`.execute(db);
  await sql`INSERT INTO customers_t SELECT 'demo', id, name, email, phone, created_at, updated_at FROM customers`.execute(
    db,
  );
  await sql`INSERT INTO tickets_t SELECT 'demo', id, customer_id, subject, description, status, priority,
    created_at, updated_at, idempotency_key, contact_email FROM tickets`.execute(db);
  await sql`INSERT INTO ticket_comments_t SELECT id, 'demo', ticket_id, author, body, created_at FROM ticket_comments`.execute(
    db,
  );
  if (dialectOf(db) === 'postgres') {
    // Explicit ids do not advance an identity's sequence: start it after the copied rows.
    await sql`SELECT setval(pg_get_serial_sequence('ticket_comments_t', 'id'), coalesce(max(id), 0) + 1, false)
      FROM ticket_comments_t`.execute(db);
  }
  // Children first: dropping a parent with rows still pointing at it would break the foreign keys.
  await sql`DROP TABLE ticket_comments`.execute(db);
  await sql`DROP TABLE tickets`.execute(db);
  await sql`DROP TABLE customers`.execute(db);
  // Renaming also rewrites the references in the other new tables.
  await sql`ALTER TABLE customers_t RENAME TO customers`.execute(db);
  await sql`ALTER TABLE tickets_t RENAME TO tickets`.execute(db);
  await sql`ALTER TABLE ticket_comments_t RENAME TO ticket_comments`.execute(db);
  await sql`CREATE INDEX customers_email ON customers (site_id, email)`.execute(db);
  await sql`CREATE INDEX tickets_customer ON tickets (site_id, customer_id, status)`.execute(db);
  await sql`CREATE INDEX tickets_customer_created ON tickets (site_id, customer_id, created_at)`.execute(db);
  await sql`CREATE UNIQUE INDEX tickets_idempotency ON tickets (site_id, customer_id, idempotency_key) WHERE idempotency_key IS NOT NULL`.execute(
    db,
  );
  await sql`CREATE INDEX ticket_comments_ticket ON ticket_comments (site_id, ticket_id)`.execute(db);
  await sql`ALTER TABLE audit_log ADD COLUMN site_id TEXT NOT NULL DEFAULT 'demo'`.execute(db);
  await sql`CREATE INDEX audit_log_site_sub_at ON audit_log (site_id, sub, at)`.execute(db);
  await sql`ALTER TABLE confirmation_uses ADD COLUMN site_id TEXT NOT NULL DEFAULT 'demo'`.execute(db);
}

export async function down(): Promise<void> {
  throw new Error('0003-tenants cannot be undone: tickets of two sites may share an id');
}
