import { type Kysely, type RawBuilder, sql } from 'kysely';
import { nowIso } from '../store/db.js';
import { HotQuery } from '../store/hot.js';
import type { ConversationOwner, Database } from '../store/schema.js';

/** A conversation as the console lists it. */
export interface OwnedConversation {
  id: string;
  siteId: string;
  subject: string;
  owner: ConversationOwner;
  operatorId: string | null;
  status: 'open' | 'resolved';
  queuedAt: string | null;
  reason: string | null;
  updatedAt: string;
  lastSeq: number;
  /** Consecutive unhelpful bot turns (docs/architecture.md §10). */
  failures: number;
}

/** Outcome of a take-over: won, or who has it (C4). */
export type TakeOver = { ok: true } | { ok: false; operatorId: string | null; owner: ConversationOwner };

const COLUMNS = [
  'id',
  'site_id',
  'subject',
  'owner',
  'operator_id',
  'status',
  'queued_at',
  'handoff_reason',
  'updated_at',
  'last_seq',
  'failures',
] as const;

type Row = {
  id: string;
  site_id: string;
  subject: string;
  owner: ConversationOwner;
  operator_id: string | null | undefined;
  status: 'open' | 'resolved';
  queued_at: string | null | undefined;
  handoff_reason: string | null | undefined;
  updated_at: string;
  last_seq: number;
  failures: number | undefined;
};

function toOwned(r: Row): OwnedConversation {
  return {
    id: r.id,
    siteId: r.site_id,
    subject: r.subject,
    owner: r.owner,
    operatorId: r.operator_id ?? null,
    status: r.status,
    queuedAt: r.queued_at ?? null,
    reason: r.handoff_reason ?? null,
    updatedAt: r.updated_at,
    lastSeq: r.last_seq,
    failures: Number(r.failures ?? 0),
  };
}

/**
 * The owner row as one JSON value, for a statement that reads it on the way (the turn lease's take,
 * server/gateway/turn-order.ts): a scalar subquery, null when there is no such conversation.
 */
export function ownerJson(id: string): RawBuilder<unknown> {
  return sql`SELECT row_to_json("c") FROM (SELECT ${sql.raw(COLUMNS.map((k) => `"${k}"`).join(', '))}
    FROM "conversations" WHERE "id" = ${id}) AS "c"`;
}

/** What ownerJson read (null: no such conversation). */
export function ownedFromJson(value: unknown): OwnedConversation | null {
  return value && typeof value === 'object' ? toOwned(value as Row) : null;
}

/**
 * Who answers a conversation, stored (docs/architecture.md §9, §10): every change is one conditional
 * UPDATE, so two operators (or two nodes) racing for a conversation cannot both win.
 */
export class OwnershipStore {
  // Both run on every visitor turn: SQL text prepared once (store/hot.ts), not Kysely builders.
  readonly #get: HotQuery<Row>;
  readonly #getNamed: HotQuery<Row & { customer_name: string | null; operator_name: string | null }>;

  constructor(private readonly db: Kysely<Database>) {
    const columns = COLUMNS.map((k) => `"${k}"`);
    this.#get = new HotQuery(db, `SELECT ${columns.join(', ')} FROM "conversations" WHERE "id" = ?`);
    // A guest (anon:…) has no customer record, whatever ids the CRM uses.
    this.#getNamed = new HotQuery(
      db,
      `SELECT ${columns.map((c) => `"c".${c}`).join(', ')}, "cu"."name" AS "customer_name", "o"."name" AS "operator_name"
       FROM "conversations" AS "c"
       LEFT JOIN "customers" AS "cu"
         ON "cu"."id" = "c"."subject" AND "cu"."site_id" = "c"."site_id" AND "c"."subject" NOT LIKE 'anon:%'
       LEFT JOIN "operators" AS "o" ON "o"."id" = "c"."operator_id"
       WHERE "c"."id" = ?`,
    );
  }

  async get(id: string): Promise<OwnedConversation | null> {
    const row = await this.#get.first([id]);
    return row ? toOwned(row) : null;
  }

  /**
   * The conversation with the names its console summary shows (the customer's, the owning
   * operator's), in one statement: announced after every visitor message while a console of the
   * site is open on this node.
   */
  async getNamed(id: string): Promise<{
    conversation: OwnedConversation;
    customerName: string | null;
    operatorName: string | null;
  } | null> {
    const row = await this.#getNamed.first([id]);
    if (!row) return null;
    return {
      conversation: toOwned(row),
      customerName: row.customer_name ?? null,
      operatorName: row.operator_name ?? null,
    };
  }

  /** Open conversations of these sites that a person has been asked for or holds, plus recent ones. */
  async list(siteIds: readonly string[], limit = 200): Promise<OwnedConversation[]> {
    if (siteIds.length === 0) return [];
    const rows = await this.db
      .selectFrom('conversations')
      .select(COLUMNS)
      .where('site_id', 'in', siteIds)
      .orderBy('updated_at', 'desc')
      .limit(limit)
      .execute();
    return rows.map((r) => toOwned(r as Row));
  }

  /** Bot → queue. Returns false when a person already has it, or it is already queued. */
  async enqueue(id: string, reason: string): Promise<boolean> {
    const now = nowIso();
    const res = await this.db
      .updateTable('conversations')
      .set({
        owner: 'queue',
        status: 'open',
        queued_at: now,
        handoff_reason: reason,
        failures: 0,
        updated_at: now,
      })
      .where('id', '=', id)
      .where('owner', '=', 'bot')
      .executeTakeFirst();
    return res.numUpdatedRows === 1n;
  }

  /** Queue (or the bot) → this operator, atomically: exactly one of several racing callers wins. */
  async takeOver(id: string, operatorId: string): Promise<TakeOver> {
    const res = await this.db
      .updateTable('conversations')
      .set({ owner: 'operator', operator_id: operatorId, status: 'open', updated_at: nowIso() })
      .where('id', '=', id)
      .where('owner', '!=', 'operator')
      .executeTakeFirst();
    if (res.numUpdatedRows === 1n) return { ok: true };
    const now = await this.get(id);
    return { ok: false, operatorId: now?.operatorId ?? null, owner: now?.owner ?? 'bot' };
  }

  /** The owning operator gives it back to the bot; false if they do not own it. */
  async handBack(id: string, operatorId: string): Promise<boolean> {
    const res = await this.db
      .updateTable('conversations')
      .set({ owner: 'bot', operator_id: null, queued_at: null, failures: 0, updated_at: nowIso() })
      .where('id', '=', id)
      .where('owner', '=', 'operator')
      .where('operator_id', '=', operatorId)
      .executeTakeFirst();
    return res.numUpdatedRows === 1n;
  }

  /** Closes it: the owner, or anyone while it waits in the queue. The next visitor message reopens it. */
  async resolve(id: string, operatorId: string): Promise<boolean> {
    const res = await this.db
      .updateTable('conversations')
      .set({
        owner: 'bot',
        operator_id: null,
        status: 'resolved',
        queued_at: null,
        failures: 0,
        updated_at: nowIso(),
      })
      .where('id', '=', id)
      .where((eb) =>
        eb.or([
          eb('owner', '=', 'queue'),
          eb.and([eb('owner', '=', 'operator'), eb('operator_id', '=', operatorId)]),
        ]),
      )
      .executeTakeFirst();
    return res.numUpdatedRows === 1n;
  }

  /** A visitor wrote to a resolved conversation: it is open again, and the bot answers (issue 13). */
  async reopen(id: string): Promise<boolean> {
    const res = await this.db
      .updateTable('conversations')
      .set({ status: 'open', updated_at: nowIso() })
      .where('id', '=', id)
      .where('status', '=', 'resolved')
      .executeTakeFirst();
    return res.numUpdatedRows === 1n;
  }

  /** Counts an unhelpful turn; returns the consecutive count (a helpful turn resets it). */
  async countFailure(id: string, failed: boolean): Promise<number> {
    const row = await this.db
      .updateTable('conversations')
      .set((eb) => ({ failures: failed ? eb('failures', '+', 1) : 0 }))
      .where('id', '=', id)
      .returning('failures')
      .executeTakeFirst();
    return Number(row?.failures ?? 0);
  }
}
