import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import { nowIso } from '../store/db.js';
import type { ConversationNotesTable, Database } from '../store/schema.js';

/**
 * Private notes and handoff summaries. A table of their own, not messages: the widget's replay and
 * the model's context read messages only, so a note cannot reach either by mistake (C5).
 */
export class NoteStore {
  constructor(private readonly db: Kysely<Database>) {}

  async add(conversationId: string, kind: 'note' | 'summary', author: string, text: string) {
    const note: ConversationNotesTable = {
      id: `note_${randomBytes(9).toString('base64url')}`,
      conversation_id: conversationId,
      kind,
      author,
      text,
      created_at: nowIso(),
    };
    await this.db.insertInto('conversation_notes').values(note).execute();
    return note;
  }

  async list(conversationId: string): Promise<ConversationNotesTable[]> {
    return this.db
      .selectFrom('conversation_notes')
      .selectAll()
      .where('conversation_id', '=', conversationId)
      .orderBy('created_at', 'asc')
      .execute();
  }
}

/** Operator actions, the operator as actor (take over, reply, note, hand back, resolve, record viewed). */
export class OperatorAudit {
  constructor(private readonly db: Kysely<Database>) {}

  async record(e: {
    operatorId: string;
    siteId: string;
    action: string;
    conversationId?: string;
    outcome: string;
  }) {
    await this.db
      .insertInto('operator_audit')
      .values({
        at: nowIso(),
        operator_id: e.operatorId,
        site_id: e.siteId,
        action: e.action,
        conversation_id: e.conversationId ?? null,
        outcome: e.outcome,
      })
      .execute();
  }

  async list(limit = 100) {
    return this.db.selectFrom('operator_audit').selectAll().orderBy('id', 'desc').limit(limit).execute();
  }
}
