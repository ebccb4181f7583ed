import { randomBytes } from 'node:crypto';
import { type Kysely, type RawBuilder, sql } from 'kysely';
import type { Database } from '../store/schema.js';

export interface TurnOptions {
  /**
   * The conversation's turn is held by another node's turn (which may wait on a confirm card), or
   * was taken over from a node that died: called before this turn waits, or before it runs.
   */
  contended?(): Promise<unknown>;
}

/**
 * One turn at a time per conversation, in message order. On one node (SQLite) a promise queue per
 * conversation is the whole story; across nodes (PostgreSQL) each turn also holds the
 * conversation's lease row (docs/scaling.md), so two nodes never answer one conversation at once.
 */
export interface TurnOrder {
  /** Runs `task` after every earlier task of this conversation (on any node) has finished. */
  enqueue(conversationId: string, task: () => Promise<void>, opts?: TurnOptions): Promise<void>;
  /** Whether a turn of this conversation is running or queued on this node. */
  busy(conversationId: string): boolean;
  /** Resolves when every turn queued here has finished (graceful shutdown). */
  drain(): Promise<void>;
  /** Another node released this conversation's lease: a turn waiting for it tries now. */
  released(conversationId: string): void;
  /** A confirm card of this conversation changed on some node: a turn waiting here looks again. */
  cardChanged?(conversationId: string): void;
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
  /**
   * Runs a lease statement (with RETURNING) and resolves with its first row; with `released`, then
   * tells the other nodes that conversation's lease is free (a live pointer). On PostgreSQL both
   * ride in the live bus's notify statement (server/live/pg-bus.ts): the take goes with the pointer
   * of the visitor message it answers, the release with the reply's, so neither costs a round trip.
   */
  run<R>(write: RawBuilder<R>, released?: string): Promise<R | undefined>;
  /** True while this node drains: a turn still waiting for another node's lease gives up. */
  stopping(): boolean;
  log: { warn(obj: object, msg: string): void };
  /**
   * A read the turn makes first, made in the lease's take instead (its statement, so no round trip
   * of its own): `read` is a scalar subquery on the conversation, whose value is handed to `taken`
   * just before the turn runs, when the take found the lease free (nothing awaited between the two);
   * `forget` is called when that turn ends, so a value is never used by a later turn.
   */
  withTake?: {
    read(conversationId: string): RawBuilder<unknown>;
    taken(conversationId: string, value: unknown): void;
    forget(conversationId: string): void;
  };
}

const DEFAULT_TTL_MS = 10_000;
const MAX_WAIT_STEP_MS = 1_000;
/** A turn waiting for another node's lease looks at that conversation's cards at least this often. */
const CONTENDED_EVERY_MS = 5_000;

/**
 * The local queue, with a lease row per running turn (table `turn_leases`): taken with one upsert
 * that succeeds only when the row is absent or expired, renewed every third of its lifetime,
 * deleted when the turn ends (with the pointer that says so, in one statement). A node killed
 * mid-turn blocks its conversations for at most the lease's lifetime; then any node takes over. A
 * turn waiting on another node's lease is woken by that node's release pointer, and polls with
 * backoff in case the pointer was lost. Consecutive turns of one conversation queued on this node
 * hand the lease on without giving it back.
 */
export class LeasedTurnOrder implements TurnOrder {
  readonly #local = new LocalTurnOrder();
  readonly #wake = new Map<string, Set<() => void>>();
  /** Conversations whose cards changed while a turn here waits for their lease. */
  readonly #cardsChanged = new Set<string>();
  /** The lease this node holds per conversation, while its turns run (handed from one to the next). */
  readonly #held = new Map<string, { holder: string; renew: NodeJS.Timeout }>();
  /** Turns of each conversation queued or running on this node. */
  readonly #queued = new Map<string, number>();
  readonly #ttl: number;

  constructor(private readonly opts: LeaseOptions) {
    this.#ttl = opts.ttlMs ?? DEFAULT_TTL_MS;
  }

  enqueue(conversationId: string, task: () => Promise<void>, opts: TurnOptions = {}): Promise<void> {
    this.#queued.set(conversationId, (this.#queued.get(conversationId) ?? 0) + 1);
    return this.#local.enqueue(conversationId, () => this.#leased(conversationId, task, opts));
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

  cardChanged(conversationId: string): void {
    if (!this.#wake.has(conversationId)) return;
    this.#cardsChanged.add(conversationId);
    this.released(conversationId);
  }

  async #leased(conversationId: string, task: () => Promise<void>, opts: TurnOptions): Promise<void> {
    let lease = this.#held.get(conversationId);
    let read = false;
    try {
      if (!lease) {
        const took = await this.#take(conversationId, opts);
        if (!took) return;
        const { holder } = took;
        const renew = setInterval(() => void this.#renew(conversationId, holder), Math.floor(this.#ttl / 3));
        lease = { holder, renew };
        this.#held.set(conversationId, lease);
        if (took.read !== undefined && this.opts.withTake) {
          read = true;
          this.opts.withTake.taken(conversationId, took.read);
        }
      }
      await task();
    } finally {
      if (read) this.opts.withTake?.forget(conversationId);
      const left = (this.#queued.get(conversationId) ?? 1) - 1;
      if (left > 0) this.#queued.set(conversationId, left);
      else this.#queued.delete(conversationId);
      // With the next turn of this conversation queued here, it runs under this lease (still renewed).
      if (lease && left === 0) await this.#release(conversationId, lease);
    }
  }

  async #release(conversationId: string, lease: { holder: string; renew: NodeJS.Timeout }): Promise<void> {
    clearInterval(lease.renew);
    this.#held.delete(conversationId);
    const release = sql`
      DELETE FROM turn_leases WHERE conversation_id = ${conversationId} AND holder = ${lease.holder}
      RETURNING conversation_id`;
    await this.opts
      .run(release, conversationId)
      .catch((err: unknown) => this.opts.log.warn({ err }, 'turn lease release failed'));
  }

  /**
   * Takes the lease, waiting for another node's turn to give it back; null when this node stops.
   * With the value `withTake` read in the statement that took it free (none after a take-over,
   * whose cards are settled first: time passes before the turn runs).
   */
  async #take(conversationId: string, opts: TurnOptions): Promise<{ holder: string; read?: unknown } | null> {
    const holder = `${this.opts.nodeId}:${randomBytes(6).toString('base64url')}`;
    let wait = 25;
    let lookedAt: number | undefined;
    for (;;) {
      let got: { how: 'free' | 'expired'; read?: unknown } | null = null;
      try {
        got = await this.#acquire(conversationId, holder);
      } catch (err) {
        // The database is unreachable or busy: try again (the visitor's message is stored and is
        // answered once it can be); a store that was closed means this process is going away.
        if (/destroyed/.test((err as Error).message)) return null;
        this.opts.log.warn({ err }, 'turn lease: could not take it, retrying');
      }
      if (got !== null) {
        this.#cardsChanged.delete(conversationId);
        // The turn that held it died with its node: cards it left waiting are settled first.
        if (got.how === 'expired') {
          await this.#contended(opts);
          return { holder };
        }
        return 'read' in got ? { holder, read: got.read } : { holder };
      }
      if (this.opts.stopping()) {
        this.#cardsChanged.delete(conversationId);
        return null;
      }
      // Another node's turn runs: if it waits on a card the visitor has written past, withdraw it
      // (first time, when a card changed meanwhile, and every few seconds in case a pointer was lost).
      const now = Date.now();
      if (
        lookedAt === undefined ||
        this.#cardsChanged.delete(conversationId) ||
        now - lookedAt >= CONTENDED_EVERY_MS
      ) {
        lookedAt = now;
        await this.#contended(opts);
      }
      await this.#sleep(conversationId, wait);
      wait = Math.min(MAX_WAIT_STEP_MS, wait * 2);
    }
  }

  async #contended(opts: TurnOptions): Promise<void> {
    await opts.contended?.().catch((err: unknown) => this.opts.log.warn({ err }, 'turn lease: contended'));
  }

  /**
   * Takes the lease if it is free or expired: one statement, so two racing nodes cannot both win.
   * Says which (`expired`: an update of a row another turn left behind), or null when held; with
   * `withTake`'s value, read by the same statement.
   */
  async #acquire(
    conversationId: string,
    holder: string,
  ): Promise<{ how: 'free' | 'expired'; read?: unknown } | null> {
    const now = Date.now();
    const also = this.opts.withTake ? sql`, (${this.opts.withTake.read(conversationId)}) AS read` : sql``;
    const row = await this.opts.run(sql<{ replaced: boolean; read?: unknown }>`
      INSERT INTO turn_leases (conversation_id, holder, expires_at)
      VALUES (${conversationId}, ${holder}, ${new Date(now + this.#ttl).toISOString()})
      ON CONFLICT (conversation_id) DO UPDATE
        SET holder = excluded.holder, expires_at = excluded.expires_at
        WHERE turn_leases.expires_at < ${new Date(now).toISOString()}
      RETURNING xmax::text <> '0' AS replaced${also}`);
    if (!row) return null;
    const how = row.replaced ? 'expired' : 'free';
    return this.opts.withTake ? { how, read: row.read ?? null } : { how };
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
