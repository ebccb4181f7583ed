import { type Kysely, type RawBuilder, sql } from 'kysely';
import pg from 'pg';
import { type LiveBus, type LiveHandlers, type LivePointer, parsePointer } from './bus.js';

/** The one channel every node listens on. */
export const LIVE_CHANNEL = 'deputy_live';

const MIN_BACKOFF_MS = 100;
const MAX_BACKOFF_MS = 5_000;

interface Log {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

/** A write that rides in the next flush's statement, ahead of its pointers. */
interface Rider {
  write: RawBuilder<unknown>;
  done(err: unknown, row?: unknown): void;
}

/**
 * Fan-out between nodes through PostgreSQL LISTEN/NOTIFY (docs/scaling.md). One dedicated listener
 * connection per process, reconnected with backoff; after every (re)connect it LISTENs first and
 * then asks the receiver to read what it missed (PostgreSQL's LISTEN race rule). NOTIFY runs on the
 * store's pool after the data has committed, never inside the data transaction: a notifying commit
 * takes a cluster-wide lock, so it is kept to one tiny statement per flush, with the pointers of
 * one turn of the event loop folded into it (only the highest seq per conversation is sent). The
 * only writes allowed in it are the turn leases' single-row take and release (server/gateway/
 * turn-order.ts), each a WITH clause: PostgreSQL takes the lock at commit, after the writes, so it
 * is held no longer, and a lease costs no round trip of its own.
 */
export class PgBus implements LiveBus {
  #client: pg.Client | null = null;
  #handlers: LiveHandlers | null = null;
  #closed = false;
  #connectedOnce = false;
  #backoff = MIN_BACKOFF_MS;
  #retry: NodeJS.Timeout | undefined;
  #pending = new Map<string, LivePointer>();
  #riders: Rider[] = [];
  #flushing = false;
  /** The listener's backend pid (tests terminate it to prove the catch-up). */
  backendPid: number | null = null;
  readonly stats = { published: 0, received: 0, notifies: 0, reconnects: 0, statements: 0 };

  constructor(private readonly opts: { url: string; db: Kysely<unknown>; log: Log }) {}

  publish(p: LivePointer): void {
    if (this.#closed) return;
    this.stats.published++;
    const key = p.k === 'm' ? `m:${p.c}` : p.k === 'c' ? `c:${p.i}` : p.k === 'l' ? `l:${p.c}` : `p:${p.t}`;
    const earlier = this.#pending.get(key);
    if (earlier?.k === 'm' && p.k === 'm' && earlier.s > p.s) return;
    this.#pending.set(key, p);
    this.#schedule();
  }

  ride<R>(write: RawBuilder<R>, p?: LivePointer): Promise<R | undefined> {
    if (this.#closed) {
      this.stats.statements++;
      return write.execute(this.opts.db).then((r) => r.rows[0]);
    }
    return new Promise((resolve, reject) => {
      this.#riders.push({
        write,
        done: (err, row) => (err === undefined ? resolve((row ?? undefined) as R | undefined) : reject(err)),
      });
      if (p) this.publish(p);
      else this.#schedule();
    });
  }

  #schedule(): void {
    if (!this.#flushing) {
      this.#flushing = true;
      setImmediate(() => void this.#flush());
    }
  }

  async #flush(): Promise<void> {
    while ((this.#pending.size > 0 || this.#riders.length > 0) && !this.#closed) {
      const batch = [...this.#pending.values()].map((p) => JSON.stringify(p));
      const riders = this.#riders;
      this.#pending.clear();
      this.#riders = [];
      const calls = batch.map((payload) => sql`pg_notify(${LIVE_CHANNEL}, ${payload})`);
      // Data-modifying WITH clauses run once, to completion, before the notifies are queued.
      const writes = riders.map((r, i) => sql`${sql.raw(`w${i}`)} AS (${r.write})`);
      const results = riders.map(
        (_, i) =>
          sql`(SELECT row_to_json(${sql.raw(`w${i}`)}) FROM ${sql.raw(`w${i}`)} LIMIT 1) AS ${sql.raw(`r${i}`)}`,
      );
      const statement =
        writes.length > 0
          ? sql<Record<string, unknown>>`with ${sql.join(writes)} select ${sql.join([...calls, ...results])}`
          : sql<Record<string, unknown>>`select ${sql.join(calls)}`;
      try {
        // One statement, one transaction, one take of the commit lock for the whole batch.
        this.stats.statements++;
        const { rows } = await statement.execute(this.opts.db);
        this.stats.notifies += batch.length;
        for (const [i, r] of riders.entries()) r.done(undefined, rows[0]?.[`r${i}`]);
      } catch (err) {
        this.opts.log.warn({ err: (err as Error).message, pointers: batch.length }, 'live: notify failed');
        if (riders.length === 0) continue;
        // A write failed (a lock conflict with another node's flush): each is made on its own,
        // then the pointers go once more alone. Pointers lost even so are repaired by the
        // receivers' periodic resync (server/live/delivery.ts).
        for (const r of riders) await this.#alone(r);
        if (calls.length === 0) continue;
        this.stats.statements++;
        await sql`select ${sql.join(calls)}`.execute(this.opts.db).then(
          () => {
            this.stats.notifies += batch.length;
          },
          () => {},
        );
      }
    }
    this.#flushing = false;
    for (const r of this.#riders.splice(0)) await this.#alone(r);
  }

  async #alone(r: Rider): Promise<void> {
    try {
      this.stats.statements++;
      const { rows } = await r.write.execute(this.opts.db);
      r.done(undefined, rows[0]);
    } catch (err) {
      r.done(err ?? new Error('write failed'));
    }
  }

  async start(handlers: LiveHandlers): Promise<void> {
    this.#handlers = handlers;
    await this.#connect();
  }

  async #connect(): Promise<void> {
    if (this.#closed) return;
    const client = new pg.Client({ connectionString: this.opts.url, application_name: 'deputy-live' });
    let gone = false;
    const lost = (why: string) => {
      if (gone) return;
      gone = true;
      this.backendPid = null;
      if (this.#client === client) this.#client = null;
      client.removeAllListeners('notification');
      client.end().catch(() => {});
      if (this.#closed) return;
      this.opts.log.warn({ why, retryMs: this.#backoff }, 'live: listener lost, reconnecting');
      this.#retry = setTimeout(() => void this.#connect(), this.#backoff);
      this.#backoff = Math.min(MAX_BACKOFF_MS, this.#backoff * 2);
    };
    client.on('error', (err) => lost(err.message));
    client.on('end', () => lost('connection ended'));
    client.on('notification', (n) => {
      if (n.channel !== LIVE_CHANNEL) return;
      const p = parsePointer(n.payload);
      if (!p) return;
      this.stats.received++;
      this.#handlers?.pointer(p);
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${LIVE_CHANNEL}`);
      const pid = await client.query<{ pid: number }>('select pg_backend_pid() as pid');
      if (gone) return;
      this.#client = client;
      this.backendPid = pid.rows[0]?.pid ?? null;
      this.#backoff = MIN_BACKOFF_MS;
      if (this.#connectedOnce) {
        this.stats.reconnects++;
        this.opts.log.info({}, 'live: listener reconnected, catching up');
      }
      this.#connectedOnce = true;
      // Listening now; what was sent before this point is read from the tables.
      this.#handlers?.resync();
    } catch (err) {
      lost((err as Error).message);
    }
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#retry);
    this.#handlers = null;
    const client = this.#client;
    this.#client = null;
    await client?.end().catch(() => {});
  }
}
