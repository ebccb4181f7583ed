import type { Kysely } from 'kysely';
import type { Conversation } from '../store/conversations.js';
import type { Database } from '../store/schema.js';

/** How recent a conversation a signed-in visitor's other browser picks up (docs/scaling.md). */
export const CONTINUITY_DAYS = 7;

/**
 * A signed-in visitor's most recent conversation on a site, found by the verified `sub`, for a
 * browser that has none stored: the chat continues across devices and nodes. Anonymous subjects
 * (`anon:…`) are never looked up this way: an anonymous visitor stays per browser.
 */
export function latestConversationFinder(db: Kysely<Database>, now: () => number = Date.now) {
  return async (siteId: string, subject: string): Promise<Conversation | null> => {
    if (subject.startsWith('anon:')) return null;
    const since = new Date(now() - CONTINUITY_DAYS * 86_400_000).toISOString();
    const row = await db
      .selectFrom('conversations')
      .select(['id', 'site_id', 'subject', 'last_seq'])
      .where('site_id', '=', siteId)
      .where('subject', '=', subject)
      .where('updated_at', '>=', since)
      .orderBy('updated_at', 'desc')
      .limit(1)
      .executeTakeFirst();
    return row
      ? { id: row.id, siteId: row.site_id, subject: row.subject, lastSeq: Number(row.last_seq) }
      : null;
  };
}
