import { type Kysely, sql } from 'kysely';
import { autoId, int64 } from '../dialect.js';

/**
 * People behind the bot (issue 13, docs/architecture.md §10): operator accounts and their sessions,
 * who owns each conversation, private notes kept apart from messages (so no replay or model context
 * can ever carry one), the display name on operator messages, and the operators' own audit trail.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  const [idType, id] = autoId(db);
  await db.schema
    .createTable('operators')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('site_id', 'text', (c) => c.notNull())
    .addColumn('email', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('role', 'text', (c) => c.notNull())
    .addColumn('password_hash', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addUniqueConstraint('operators_site_email', ['site_id', 'email'])
    .execute();
  await db.schema
    .createTable('operator_sessions')
    // The sha256 of the cookie value: a copy of the database opens no console.
    .addColumn('id_hash', 'text', (c) => c.primaryKey())
    .addColumn('operator_id', 'text', (c) => c.notNull().references('operators.id').onDelete('cascade'))
    .addColumn('csrf', 'text', (c) => c.notNull())
    .addColumn('expires_at', int64(db), (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .alterTable('conversations')
    .addColumn('owner', 'text', (c) => c.notNull().defaultTo('bot'))
    .execute();
  await db.schema.alterTable('conversations').addColumn('operator_id', 'text').execute();
  await db.schema
    .alterTable('conversations')
    .addColumn('status', 'text', (c) => c.notNull().defaultTo('open'))
    .execute();
  await db.schema.alterTable('conversations').addColumn('queued_at', 'text').execute();
  await db.schema.alterTable('conversations').addColumn('handoff_reason', 'text').execute();
  await db.schema
    .alterTable('conversations')
    .addColumn('failures', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema
    .createIndex('conversations_queue')
    .on('conversations')
    .columns(['site_id', 'owner'])
    .execute();
  await db.schema.alterTable('messages').addColumn('author', 'text').execute();
  await db.schema
    .createTable('conversation_notes')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('conversation_id', 'text', (c) => c.notNull().references('conversations.id'))
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('author', 'text', (c) => c.notNull())
    .addColumn('text', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('conversation_notes_conv')
    .on('conversation_notes')
    .column('conversation_id')
    .execute();
  await db.schema
    .createTable('operator_audit')
    .addColumn('id', idType, id)
    .addColumn('at', 'text', (c) => c.notNull())
    .addColumn('operator_id', 'text', (c) => c.notNull())
    .addColumn('site_id', 'text', (c) => c.notNull())
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('conversation_id', 'text')
    .addColumn('outcome', 'text', (c) => c.notNull())
    .execute();
  await sql`CREATE INDEX operator_audit_at ON operator_audit (at)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('operator_audit').execute();
  await db.schema.dropTable('conversation_notes').execute();
  await db.schema.alterTable('messages').dropColumn('author').execute();
  await db.schema.dropIndex('conversations_queue').execute();
  for (const c of ['failures', 'handoff_reason', 'queued_at', 'status', 'operator_id', 'owner']) {
    await db.schema.alterTable('conversations').dropColumn(c).execute();
  }
  await db.schema.dropTable('operator_sessions').execute();
  await db.schema.dropTable('operators').execute();
}
