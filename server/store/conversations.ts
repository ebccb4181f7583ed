import { randomBytes } from 'node:crypto';
import { type Kysely, type RawBuilder, sql, type Transaction } from 'kysely';
import { commitTracer } from '../turn-trace.js';
import { nowIso } from './db.js';
import { dialectOf, isUniqueViolation } from './dialect.js';
import { HotLimitQuery, HotQuery, type RawSqlite, type RawStatement, rawSqlite } from './hot.js';
import type { Database, MessageRole, MessagesTable } from './schema.js';
import { TAIL_MESSAGES, TailCache } from './tails.js';

export type StoredMessage = MessagesTable;

export interface Conversation {
  id: string;
  siteId: string;
  subject: string;
  lastSeq: number;
}

/** Random bytes per id: 96 bits, unguessable (an anonymous visitor's conversation id is their proof). */
const ID_BYTES = 12;
/** Ids drawn per call into the CSPRNG: one call per id cost more than the id's use on a turn. */
const POOLED_IDS = 128;
let pool = Buffer.alloc(0);
let pooled = 0;

function newId(prefix: string): string {
  // Every id takes bytes no other id took (as crypto.randomUUID's own cache does).
  if (pooled + ID_BYTES > pool.length) {
    pool = randomBytes(ID_BYTES * POOLED_IDS);
    pooled = 0;
  }
  const id = pool.toString('base64url', pooled, pooled + ID_BYTES);
  pooled += ID_BYTES;
  return `${prefix}_${id}`;
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
  const message = storedRow(conversationId, conv.last_seq, msg, now);
  await trx.insertInto('messages').values(message).execute();
  return { message, duplicate: false };
}

/** The row an append stores: the conversation's next seq, the caller's id or a fresh one. */
function storedRow(conversationId: string, seq: number, msg: NewMessage, now: string): StoredMessage {
  return {
    id: msg.id ?? newId('msg'),
    conversation_id: conversationId,
    seq,
    role: msg.role,
    text: msg.text,
    client_id: msg.clientId ?? null,
    created_at: now,
    author: msg.author ?? null,
  };
}

/** The statements of one append on SQLite's raw connection (the same three as appendIn). */
const APPEND_SQL = {
  duplicate: 'SELECT * FROM "messages" WHERE "conversation_id" = ? AND "client_id" = ?',
  bump: 'UPDATE "conversations" SET "last_seq" = "last_seq" + 1, "updated_at" = ? WHERE "id" = ? RETURNING "last_seq"',
  insert:
    'INSERT INTO "messages" ("id", "conversation_id", "seq", "role", "text", "client_id", "created_at", "author") VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
} as const;

type AppendStatements = { [K in keyof typeof APPEND_SQL]: RawStatement };

/** appendIn on the raw connection, synchronously, inside the caller's transaction. */
function appendRaw(s: AppendStatements, conversationId: string, msg: NewMessage): Appended {
  if (msg.clientId) {
    const existing = s.duplicate.get<StoredMessage>(conversationId, msg.clientId);
    if (existing) return { message: existing, duplicate: true };
  }
  const now = nowIso();
  const conv = s.bump.get<{ last_seq: number }>(now, conversationId);
  if (!conv) throw new Error(`no conversation ${conversationId}`);
  const message = storedRow(conversationId, conv.last_seq, msg, now);
  s.insert.run(
    message.id,
    conversationId,
    message.seq,
    message.role,
    message.text,
    message.client_id,
    now,
    message.author,
  );
  return { message, duplicate: false };
}

/**
 * One append as one statement (PostgreSQL): the duplicate check, the next sequence number under the
 * conversation's row lock, and the insert, in a single round trip instead of five (BEGIN, three
 * statements, COMMIT). A statement is atomic, so a failure leaves no gap in the sequence. Two
 * resends of one client id racing past the check both reach the insert; the unique index refuses
 * the second (rolling back its counter too), which then reads the first's row.
 */
async function appendStatement<V extends Verdict>(
  db: Kysely<Database>,
  conversationId: string,
  msg: NewMessage,
  admission?: AppendGate<V>,
): Promise<Admitted<V>> {
  const now = nowIso();
  const clientId = msg.clientId ?? null;
  const id = msg.id ?? newId('msg');
  // With an admission (a visitor message): its clauses run first in the same statement, and the
  // message is stored only when admitted; a resend is counted as before (the duplicate is read
  // whatever the admission says, and reported only when admitted).
  const gate = admission ? sql`${admission.ctes}, ` : sql``;
  const admitted = admission ? sql` AND ${admission.admitted}` : sql``;
  const columns = admission ? sql`, ${admission.columns}` : sql``;
  try {
    const res = await sql<StoredMessage & { duplicate: boolean | null } & Record<string, unknown>>`
      WITH ${gate}dup AS (
        SELECT * FROM messages WHERE conversation_id = ${conversationId} AND client_id = ${clientId}
      ), bumped AS (
        UPDATE conversations SET last_seq = last_seq + 1, updated_at = ${now}
        WHERE id = ${conversationId} AND NOT EXISTS (SELECT 1 FROM dup)${admitted}
        RETURNING last_seq
      ), inserted AS (
        INSERT INTO messages (id, conversation_id, seq, role, text, client_id, created_at, author)
        SELECT ${id}, ${conversationId}, last_seq, ${msg.role}, ${msg.text}, ${clientId}, ${now}, ${msg.author ?? null}
        FROM bumped
        RETURNING *
      ), appended AS (
        SELECT *, false AS duplicate FROM inserted
        UNION ALL SELECT *, true AS duplicate FROM dup
      )
      SELECT appended.*${columns} FROM (SELECT 1) AS one LEFT JOIN appended ON true`.execute(db);
    const row = res.rows[0];
    const verdict = admission?.settle(row) ?? { ok: true as const };
    if (!verdict.ok) return { admission: verdict };
    if (row?.duplicate == null) throw new Error(`no conversation ${conversationId}`);
    const message: StoredMessage = {
      id: row.id,
      conversation_id: row.conversation_id,
      seq: row.seq,
      role: row.role,
      text: row.text,
      client_id: row.client_id,
      created_at: row.created_at,
      author: row.author ?? null,
    };
    return { admission: verdict, stored: { message, duplicate: row.duplicate } };
  } catch (err) {
    if (!clientId || !isUniqueViolation(err)) throw err;
    // Another append of this client id won the race: this statement (its admission too) rolled
    // back. The resend is admitted on its own, as every resend is, then the first's row is read.
    if (admission) {
      const { rows } = await sql<
        Record<string, unknown>
      >`WITH ${admission.ctes} SELECT ${admission.columns}`.execute(db);
      const verdict = admission.settle(rows[0]);
      if (!verdict.ok) return { admission: verdict };
    }
    const existing = await db
      .selectFrom('messages')
      .selectAll()
      .where('conversation_id', '=', conversationId)
      .where('client_id', '=', clientId)
      .executeTakeFirstOrThrow();
    return { admission: { ok: true }, stored: { message: existing, duplicate: true } };
  }
}

/** A gate's answer: `ok` lets the message be stored. */
export type Verdict = { ok: true } | { ok: false };

/**
 * Another statement's condition carried by an append (PostgreSQL): its WITH clauses run first, in
 * the same statement and transaction, and the message is stored only when `admitted` holds. The
 * shared budgets' admission of a visitor message is one (gateway/shared-budgets.ts).
 */
export interface AppendGate<V extends Verdict> {
  /** The WITH clauses (without WITH); their names must not clash with the append's own. */
  ctes: RawBuilder<unknown>;
  /** True when the message may be stored. */
  admitted: RawBuilder<unknown>;
  /** Result columns for `settle`. */
  columns: RawBuilder<unknown>;
  /** The verdict, from the statement's row; called once, after the statement committed. */
  settle(row: Record<string, unknown> | undefined): V;
}

/** An append that carried a gate: stored only when its verdict was ok. */
export interface Admitted<V extends Verdict = Verdict> {
  admission: V | { ok: true };
  stored?: Appended;
}

/** Conversations and their messages. Every append commits before it is reported to the widget. */
export class ConversationStore {
  #pending: PendingAppend[] = [];
  /** PostgreSQL: the last append per conversation, so appends commit in the order they were made. */
  #chains = new Map<string, Promise<unknown>>();
  readonly #onePerStatement: boolean;
  /** SQLite: the raw connection the appends run on, and their statements (prepared on first use). */
  readonly #raw: RawSqlite | undefined;
  #appendStatements: AppendStatements | null = null;
  /** SQLite: a batch waiting for a transaction someone else holds; later batches queue behind it. */
  #waiting: Promise<void> | null = null;
  readonly #recent: HotLimitQuery<StoredMessage>;
  readonly #since: HotLimitQuery<StoredMessage>;
  readonly #lastSeq: HotQuery<{ last_seq: number }>;
  /** The model's context per recently active conversation, checked against `last_seq` before use. */
  readonly #tails = new TailCache();

  constructor(private readonly db: Kysely<Database>) {
    this.#onePerStatement = dialectOf(db) === 'postgres';
    this.#raw = rawSqlite(db);
    this.#recent = new HotLimitQuery(
      db,
      'SELECT * FROM "messages" WHERE "conversation_id" = ? ORDER BY "seq" DESC LIMIT ?',
    );
    this.#since = new HotLimitQuery(
      db,
      'SELECT * FROM "messages" WHERE "conversation_id" = ? AND "seq" > ? ORDER BY "seq" ASC LIMIT ?',
    );
    this.#lastSeq = new HotQuery(db, 'SELECT "last_seq" FROM "conversations" WHERE "id" = ?');
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
      if (this.#pending.length === 1) setImmediate(() => this.#flush());
    });
  }

  /**
   * PostgreSQL: each append is one statement, and appends to one conversation are chained so they
   * commit in call order (a pool would otherwise run them side by side); other conversations' run
   * in parallel on the pool. Group commit gains nothing here: a transaction would cost two round
   * trips more than the statements it groups.
   */
  #appendInOrder(conversationId: string, msg: NewMessage): Promise<Appended> {
    return this.#inOrder(conversationId, async () => {
      const { stored } = await appendStatement(this.db, conversationId, msg);
      if (!stored) throw new Error('append without admission refused');
      return this.#stored(stored);
    });
  }

  /**
   * Whether appendAdmitted can carry a budget's admission (PostgreSQL, where each append is one
   * statement); elsewhere the caller admits the message first (the budgets are in memory there).
   */
  get admitsInAppend(): boolean {
    return this.#onePerStatement;
  }

  /**
   * A visitor message admitted and stored in one statement (PostgreSQL, budgets shared by the
   * nodes): refused, it is neither counted nor stored, as when admitted first; admitted, it is
   * stored as `append` stores it. The admission and the append commit together.
   */
  appendAdmitted<V extends Verdict>(
    conversationId: string,
    msg: NewMessage,
    admission: AppendGate<V>,
  ): Promise<Admitted<V>> {
    if (!this.#onePerStatement) throw new Error('appendAdmitted needs PostgreSQL (see admitsInAppend)');
    return this.#inOrder(conversationId, async () => {
      const result = await appendStatement(this.db, conversationId, msg, admission);
      if (result.stored) this.#stored(result.stored);
      return result;
    });
  }

  #inOrder<T>(conversationId: string, run: () => Promise<T>): Promise<T> {
    const previous = this.#chains.get(conversationId) ?? Promise.resolve();
    const next = previous.then(run, run);
    this.#chains.set(conversationId, next);
    const forget = () => {
      if (this.#chains.get(conversationId) === next) this.#chains.delete(conversationId);
    };
    next.then(forget, forget);
    return next;
  }

  /**
   * Commits the appends made since the last flush in one transaction. On SQLite's raw connection
   * the whole batch runs synchronously (nothing else can run in between); while a Kysely
   * transaction holds the connection, the batch goes through Kysely, which waits for it, and
   * batches after it wait behind it, so appends still commit in the order they were made.
   */
  #flush(): void {
    const batch = this.#pending;
    this.#pending = [];
    const raw = this.#raw;
    if (raw && !raw.busy() && !this.#waiting) {
      this.#flushRaw(raw, batch);
      return;
    }
    const waiting = (this.#waiting ?? Promise.resolve()).then(() => this.#flushKysely(batch));
    this.#waiting = waiting;
    void waiting.then(() => {
      if (this.#waiting === waiting) this.#waiting = null;
    });
  }

  #flushRaw(raw: RawSqlite, batch: PendingAppend[]): void {
    this.#appendStatements ??= {
      duplicate: raw.prepare(APPEND_SQL.duplicate),
      bump: raw.prepare(APPEND_SQL.bump),
      insert: raw.prepare(APPEND_SQL.insert),
    };
    const s = this.#appendStatements;
    const trace = commitTracer();
    const t0 = trace ? performance.now() : 0;
    try {
      const results = raw.transaction(() => batch.map((p) => appendRaw(s, p.conversationId, p.msg)));
      trace?.commit('messages', batch.length, performance.now() - t0);
      for (const [i, p] of batch.entries()) p.resolve(this.#stored(results[i] as Appended));
    } catch (err) {
      if (batch.length === 1) {
        batch[0]?.reject(err);
        return;
      }
      // One failing append (a conversation that is gone) must not fail the others: each alone.
      for (const p of batch) {
        try {
          p.resolve(this.#stored(raw.transaction(() => appendRaw(s, p.conversationId, p.msg))));
        } catch (e) {
          p.reject(e);
        }
      }
    }
  }

  async #flushKysely(batch: PendingAppend[]): Promise<void> {
    try {
      const results = await this.db.transaction().execute(async (trx) => {
        const out: Appended[] = [];
        for (const p of batch) out.push(await appendIn(trx, p.conversationId, p.msg));
        return out;
      });
      for (const [i, p] of batch.entries()) p.resolve(this.#stored(results[i] as Appended));
    } catch (err) {
      if (batch.length === 1) {
        batch[0]?.reject(err);
        return;
      }
      // One failing append (a conversation that is gone) must not fail the others: each alone.
      for (const p of batch) {
        try {
          p.resolve(
            this.#stored(
              await this.db.transaction().execute((trx) => appendIn(trx, p.conversationId, p.msg)),
            ),
          );
        } catch (e) {
          p.reject(e);
        }
      }
    }
  }

  /** Messages after `afterSeq`, oldest first (resume). */
  async since(conversationId: string, afterSeq: number, limit = 500): Promise<StoredMessage[]> {
    return this.#since.all([conversationId, afterSeq], limit);
  }

  /**
   * The last `limit` messages, oldest first (model context). A conversation read here before keeps
   * its tail in memory, used after reading only its `last_seq` (tails.ts), or none when the caller
   * has just read it (`lastSeq`, from the same row).
   */
  async recent(conversationId: string, limit: number, lastSeq?: number): Promise<StoredMessage[]> {
    if (this.#tails.has(conversationId)) {
      const seq = lastSeq ?? (await this.#lastSeq.first([conversationId]))?.last_seq;
      const kept = seq !== undefined && this.#tails.get(conversationId, Number(seq), limit);
      if (kept) return kept;
    }
    const rows = (await this.#recent.all([conversationId], limit)).reverse();
    if (limit === TAIL_MESSAGES) this.#tails.set(conversationId, rows);
    return rows;
  }

  /** A committed append, as the tails learn it. */
  #stored(appended: Appended): Appended {
    if (!appended.duplicate) this.#tails.appended(appended.message);
    return appended;
  }
}

export { newId };
