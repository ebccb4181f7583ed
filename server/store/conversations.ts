import { randomBytes } from 'node:crypto';
import { type Kysely, sql, type Transaction } from 'kysely';
import { nowIso } from './db.js';
import { dialectOf, isUniqueViolation } from './dialect.js';
import type { Database, MessageRole, MessagesTable } from './schema.js';

export type StoredMessage = MessagesTable;

export interface Conversation {
  id: string;
  siteId: string;
  subject: string;
  lastSeq: number;
}

function newId(prefix: string): string {
  return `${prefix}_${randomBytes(12).toString('base64url')}`;
}

export interface NewMessage {
  role: MessageRole;
  text: string;
  /** Operator replies and status lines: the operator's display name. */
  author?: string;
  clientId?: string;
  id?: string;
}

export interface Appended {
  message: StoredMessage;
  duplicate: boolean;
}

interface PendingAppend {
  conversationId: string;
  msg: NewMessage;
  resolve(result: Appended): void;
  reject(err: unknown): void;
}

/** One append inside a transaction: the duplicate check, the next sequence number, the insert. */
async function appendIn(
  trx: Transaction<Database>,
  conversationId: string,
  msg: NewMessage,
): Promise<Appended> {
  if (msg.clientId) {
    const existing = await trx
      .selectFrom('messages')
      .selectAll()
      .where('conversation_id', '=', conversationId)
      .where('client_id', '=', msg.clientId)
      .executeTakeFirst();
    if (existing) return { message: existing, duplicate: true };
  }
  const now = nowIso();
  const conv = await trx
    .updateTable('conversations')
    .set((eb) => ({ last_seq: eb('last_seq', '+', 1), updated_at: now }))
    .where('id', '=', conversationId)
    .returning('last_seq')
    .executeTakeFirstOrThrow();
  const message: StoredMessage = {
    id: msg.id ?? newId('msg'),
    conversation_id: conversationId,
    seq: conv.last_seq,
    role: msg.role,
    text: msg.text,
    client_id: msg.clientId ?? null,
    created_at: now,
    author: msg.author ?? null,
  };
  await trx.insertInto('messages').values(message).execute();
  return { message, duplicate: false };
}

/**
 * One append as one statement (PostgreSQL): the duplicate check, the next sequence number under the
 * conversation's row lock, and the insert, in a single round trip instead of five (BEGIN, three
 * statements, COMMIT). A statement is atomic, so a failure leaves no gap in the sequence. Two
 * resends of one client id racing past the check both reach the insert; the unique index refuses
 * the second (rolling back its counter too), which then reads the first's row.
 */
async function appendStatement(
  db: Kysely<Database>,
  conversationId: string,
  msg: NewMessage,
): Promise<Appended> {
  const now = nowIso();
  const clientId = msg.clientId ?? null;
  const id = msg.id ?? newId('msg');
  try {
    const res = await sql<StoredMessage & { duplicate: boolean }>`
      WITH dup AS (
        SELECT * FROM messages WHERE conversation_id = ${conversationId} AND client_id = ${clientId}
      ), bumped AS (
        UPDATE conversations SET last_seq = last_seq + 1, updated_at = ${now}
        WHERE id = ${conversationId} AND NOT EXISTS (SELECT 1 FROM dup)
        RETURNING last_seq
      ), inserted AS (
        INSERT INTO messages (id, conversation_id, seq, role, text, client_id, created_at, author)
        SELECT ${id}, ${conversationId}, last_seq, ${msg.role}, ${msg.text}, ${clientId}, ${now}, ${msg.author ?? null}
        FROM bumped
        RETURNING *
      )
      SELECT *, false AS duplicate FROM inserted
      UNION ALL SELECT *, true AS duplicate FROM dup`.execute(db);
    const row = res.rows[0];
    if (!row) throw new Error(`no conversation ${conversationId}`);
    const { duplicate, ...message } = row;
    return { message: { ...message, author: message.author ?? null }, duplicate };
  } catch (err) {
    if (!clientId || !isUniqueViolation(err)) throw err;
    const existing = await db
      .selectFrom('messages')
      .selectAll()
      .where('conversation_id', '=', conversationId)
      .where('client_id', '=', clientId)
      .executeTakeFirstOrThrow();
    return { message: existing, duplicate: true };
  }
}

/** Conversations and their messages. Every append commits before it is reported to the widget. */
export class ConversationStore {
  #pending: PendingAppend[] = [];
  /** PostgreSQL: the last append per conversation, so appends commit in the order they were made. */
  #tails = new Map<string, Promise<unknown>>();
  readonly #onePerStatement: boolean;

  constructor(private readonly db: Kysely<Database>) {
    this.#onePerStatement = dialectOf(db) === 'postgres';
  }

  async create(siteId: string, subject: string): Promise<Conversation> {
    const now = nowIso();
    const id = newId('conv');
    await this.db
      .insertInto('conversations')
      .values({ id, site_id: siteId, subject, last_seq: 0, created_at: now, updated_at: now })
      .execute();
    return { id, siteId, subject, lastSeq: 0 };
  }

  /** The conversation if it belongs to this visitor; someone else's answers like a missing one. */
  async findOwned(id: string, siteId: string, subject: string): Promise<Conversation | null> {
    const row = await this.db
      .selectFrom('conversations')
      .selectAll()
      .where('id', '=', id)
      .where('site_id', '=', siteId)
      .where('subject', '=', subject)
      .executeTakeFirst();
    return row ? { id: row.id, siteId: row.site_id, subject: row.subject, lastSeq: row.last_seq } : null;
  }

  /** An anonymous visitor's conversation, found by its unguessable id alone. */
  async findAnonymous(id: string, siteId: string): Promise<Conversation | null> {
    const row = await this.db
      .selectFrom('conversations')
      .selectAll()
      .where('id', '=', id)
      .where('site_id', '=', siteId)
      .where('subject', 'like', 'anon:%')
      .executeTakeFirst();
    return row ? { id: row.id, siteId: row.site_id, subject: row.subject, lastSeq: row.last_seq } : null;
  }

  /**
   * Appends a message with the next sequence number and resolves once it is committed. A visitor
   * message whose client id was stored before is not stored again: the original comes back with
   * `duplicate: true` (W3). Appends made in the same turn of the event loop share one transaction
   * (group commit): a commit per message was the largest cost of a visitor turn, and no caller
   * hears of its message before the shared commit. On PostgreSQL each append is one statement
   * instead (appendStatement).
   */
  append(conversationId: string, msg: NewMessage): Promise<Appended> {
    if (this.#onePerStatement) return this.#appendInOrder(conversationId, msg);
    return new Promise((resolve, reject) => {
      this.#pending.push({ conversationId, msg, resolve, reject });
      if (this.#pending.length === 1) setImmediate(() => void this.#flush());
    });
  }

  /**
   * PostgreSQL: each append is one statement, and appends to one conversation are chained so they
   * commit in call order (a pool would otherwise run them side by side); other conversations' run
   * in parallel on the pool. Group commit gains nothing here: a transaction would cost two round
   * trips more than the statements it groups.
   */
  #appendInOrder(conversationId: string, msg: NewMessage): Promise<Appended> {
    const previous = this.#tails.get(conversationId) ?? Promise.resolve();
    const next = previous.then(
      () => appendStatement(this.db, conversationId, msg),
      () => appendStatement(this.db, conversationId, msg),
    );
    this.#tails.set(conversationId, next);
    const forget = () => {
      if (this.#tails.get(conversationId) === next) this.#tails.delete(conversationId);
    };
    next.then(forget, forget);
    return next;
  }

  async #flush(): Promise<void> {
    const batch = this.#pending;
    this.#pending = [];
    try {
      const results = await this.db.transaction().execute(async (trx) => {
        const out: Appended[] = [];
        for (const p of batch) out.push(await appendIn(trx, p.conversationId, p.msg));
        return out;
      });
      for (const [i, p] of batch.entries()) p.resolve(results[i] as Appended);
    } catch (err) {
      if (batch.length === 1) {
        batch[0]?.reject(err);
        return;
      }
      // One failing append (a conversation that is gone) must not fail the others: each alone.
      for (const p of batch) {
        try {
          p.resolve(await this.db.transaction().execute((trx) => appendIn(trx, p.conversationId, p.msg)));
        } catch (e) {
          p.reject(e);
        }
      }
    }
  }

  /** Messages after `afterSeq`, oldest first (resume). */
  async since(conversationId: string, afterSeq: number, limit = 500): Promise<StoredMessage[]> {
    return this.db
      .selectFrom('messages')
      .selectAll()
      .where('conversation_id', '=', conversationId)
      .where('seq', '>', afterSeq)
      .orderBy('seq', 'asc')
      .limit(limit)
      .execute();
  }

  /** The last `limit` messages, oldest first (model context). */
  async recent(conversationId: string, limit: number): Promise<StoredMessage[]> {
    const rows = await this.db
      .selectFrom('messages')
      .selectAll()
      .where('conversation_id', '=', conversationId)
      .orderBy('seq', 'desc')
      .limit(limit)
      .execute();
    return rows.reverse();
  }
}

export { newId };
