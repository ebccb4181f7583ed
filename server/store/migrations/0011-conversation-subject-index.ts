import type { Kysely } from 'kysely';

/**
 * The conversations' subject index without `updated_at` (docs/architecture.md, "The store"). Every
 * message append sets the conversation's `updated_at`, so an index holding it was rewritten twice
 * a turn (a page written per append on SQLite; on PostgreSQL it kept those updates from being
 * heap-only). Its one reader, the signed-in visitor's latest conversation (gateway/continuity.ts),
 * finds the subject's few conversations by (site_id, subject) and sorts them; the console's list
 * (console/ownership.ts) sorts a whole site's conversations and used only the index's `site_id`.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('conversations_subject').execute();
  await db.schema
    .createIndex('conversations_subject')
    .on('conversations')
    .columns(['site_id', 'subject'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('conversations_subject').execute();
  await db.schema
    .createIndex('conversations_subject')
    .on('conversations')
    .columns(['site_id', 'subject', 'updated_at'])
    .execute();
}
