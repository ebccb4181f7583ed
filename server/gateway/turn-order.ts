import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from '../store/schema.js';

/**
 * One turn at a time per conversation, in message order. On one node (SQLite) a promise queue per
 * conversation is the whole story; across nodes (PostgreSQL) each turn also holds the
 * conversation's lease row (docs/scaling.md), so two nodes never answer one conversation at once.
 */
export interface TurnOrder {
  /** Runs `task` after every earlier task of this conversation (on any node) has finished. */
  enqueue(conversationId: string, task: () => Promise<void>): Promise<void>;
  /** Whether a turn of this conversation is running or queued on this node. */
  busy(conversationId: string): boolean;
  /** Resolves when every turn queued here has finished (graceful shutdown). */
  drain(): Promise<void>;
  /** Another node released this conversation's lease: a turn waiting for it tries now. */
  released(conversationId: string): void;
}

/** The in-process queue (one node). */
export class LocalTurnOrder implements TurnOrder {
  readonly #queues = new Map<string, Promise<void>>();

  enqueue(conversationId: string, task: () => Promise<void>): Promise<void> {
    const previous = this.#queues.get(conversationId) ?? Promise.resolve();
    const next = previous.then(task, task);
    const tracked = next.finally(() => {
      if (this.#queues.get(conversationId) === tracked) this.#queues.delete(conversationId);
    });
    this.#queues.set(conversationId, tracked);
    return tracked;
  }

  busy(conversationId: string): boolean {
    return this.#queues.has(conversationId);
  }

  async drain(): Promise<void> {
    await Promise.allSettled([...this.#queues.values()]);
  }

  released(): void {}
}

export interface LeaseOptions {
  db: Kysely<Database>;
  nodeId: string;
  /** A node that dies holds a lease at most this long (ms). */
  ttlMs?: number;
  /** Tells the other nodes a lease is free (a live pointer). */
  announce(conversationId: string): void;
  /** True while this node drains: a turn still waiting for another node's lease gives up. */
  stopping(): boolean;
  log: { warn(obj: object, msg: string): void };
}

const DEFAULT_TTL_MS = 10_000;
const MAX_WAIT_STEP_MS = 1_000;

/**
 * The local queue, with a lease row per running turn (table `turn_leases`): taken with one upsert
 * that succeeds only when the row is absent or expired, renewed every third of its lifetime,
 * deleted when the turn ends. A node killed mid-turn blocks its conversations for at most the
 * lease's lifetime; then any node takes over. A turn waiting on another node's lease is woken by
 * that node's release pointer, and polls with backoff in case the pointer was lost.
 */
export class LeasedTurnOrder implements TurnOrder {
  readonly #local = new LocalTurnOrder();
  readonly #wake = new Map<string, Set<() => void>>();
  readonly #ttl: number;

  constructor(private readonly opts: LeaseOptions) {
    this.#ttl = opts.ttlMs ?? DEFAULT_TTL_MS;
  }

  enqueue(conversationId: string, task: () => Promise<void>): Promise<void> {
    return this.#local.enqueue(conversationId, () => this.#leased(conversationId, task));
  }

  busy(conversationId: string): boolean {
    return this.#local.busy(conversationId);
  }

  drain(): Promise<void> {
    for (const set of this.#wake.values()) for (const wake of set) wake();
    return this.#local.drain();
  }

  released(conversationId: string): void {
    for (const wake of this.#wake.get(conversationId) ?? []) wake();
  }

  async #leased(conversationId: string, task: () => Promise<void>): Promise<void> {
    const holder = `${this.opts.nodeId}:${randomBytes(6).toString('base64url')}`;
    let wait = 25;
    for (;;) {
      let got = false;
      try {
        got = await this.#acquire(conversationId, holder);
      } catch (err) {
        // The database is unreachable or busy: try again (the visitor's message is stored and is
        // answered once it can be); a store that was closed means this process is going away.
        if (/destroyed/.test((err as Error).message)) return;
        this.opts.log.warn({ err }, 'turn lease: could not take it, retrying');
      }
      if (got) break;
      if (this.opts.stopping()) return;
      await this.#sleep(conversationId, wait);
      wait = Math.min(MAX_WAIT_STEP_MS, wait * 2);
    }
    const renew = setInterval(() => void this.#renew(conversationId, holder), Math.floor(this.#ttl / 3));
    try {
      await task();
    } finally {
      clearInterval(renew);
      await this.opts.db
        .deleteFrom('turn_leases')
        .where('conversation_id', '=', conversationId)
        .where('holder', '=', holder)
        .execute()
        .catch((err: unknown) => this.opts.log.warn({ err }, 'turn lease release failed'));
      this.opts.announce(conversationId);
    }
  }

  /** Takes the lease if it is free or expired: one statement, so two racing nodes cannot both win. */
  async #acquire(conversationId: string, holder: string): Promise<boolean> {
    const now = Date.now();
    const res = await this.opts.db
      .insertInto('turn_leases')
      .values({
        conversation_id: conversationId,
        holder,
        expires_at: new Date(now + this.#ttl).toISOString(),
      })
      .onConflict((oc) =>
        oc
          .column('conversation_id')
          .doUpdateSet((eb) => ({
            holder: eb.ref('excluded.holder'),
            expires_at: eb.ref('excluded.expires_at'),
          }))
          .where('turn_leases.expires_at', '<', new Date(now).toISOString()),
      )
      .executeTakeFirst();
    return Number(res.numInsertedOrUpdatedRows ?? 0n) === 1;
  }

  async #renew(conversationId: string, holder: string): Promise<void> {
    try {
      const res = await this.opts.db
        .updateTable('turn_leases')
        .set({ expires_at: new Date(Date.now() + this.#ttl).toISOString() })
        .where('conversation_id', '=', conversationId)
        .where('holder', '=', holder)
        .executeTakeFirst();
      if (res.numUpdatedRows !== 1n)
        this.opts.log.warn({ conversationId }, 'turn lease lost (renewed too late); another node may answer');
    } catch (err) {
      this.opts.log.warn({ err }, 'turn lease renewal failed');
    }
  }

  #sleep(conversationId: string, ms: number): Promise<void> {
    return new Promise((resolve) => {
      let set = this.#wake.get(conversationId);
      if (!set) {
        set = new Set();
        this.#wake.set(conversationId, set);
      }
      const s = set;
      const done = () => {
        clearTimeout(timer);
        s.delete(done);
        if (s.size === 0) this.#wake.delete(conversationId);
        resolve();
      };
      const timer = setTimeout(done, ms);
      s.add(done);
    });
  }
}
