import { type Kysely, sql } from 'kysely';
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

/**
 * Fan-out between nodes through PostgreSQL LISTEN/NOTIFY (docs/scaling.md). One dedicated listener
 * connection per process, reconnected with backoff; after every (re)connect it LISTENs first and
 * then asks the receiver to read what it missed (PostgreSQL's LISTEN race rule). NOTIFY runs on the
 * store's pool after the data has committed, never inside the data transaction: a notifying commit
 * takes a cluster-wide lock, so it is kept to one tiny statement per flush, with the pointers of
 * one turn of the event loop folded into it (only the highest seq per conversation is sent).
 */
export class PgBus implements LiveBus {
  #client: pg.Client | null = null;
  #handlers: LiveHandlers | null = null;
  #closed = false;
  #connectedOnce = false;
  #backoff = MIN_BACKOFF_MS;
  #retry: NodeJS.Timeout | undefined;
  #pending = new Map<string, LivePointer>();
  #flushing = false;
  /** The listener's backend pid (tests terminate it to prove the catch-up). */
  backendPid: number | null = null;
  readonly stats = { published: 0, received: 0, notifies: 0, reconnects: 0 };

  constructor(private readonly opts: { url: string; db: Kysely<unknown>; log: Log }) {}

  publish(p: LivePointer): void {
    if (this.#closed) return;
    this.stats.published++;
    const key = p.k === 'm' ? `m:${p.c}` : p.k === 'c' ? `c:${p.i}` : p.k === 'l' ? `l:${p.c}` : `p:${p.t}`;
    const earlier = this.#pending.get(key);
    if (earlier?.k === 'm' && p.k === 'm' && earlier.s > p.s) return;
    this.#pending.set(key, p);
    if (!this.#flushing) {
      this.#flushing = true;
      setImmediate(() => void this.#flush());
    }
  }

  async #flush(): Promise<void> {
    while (this.#pending.size > 0 && !this.#closed) {
      const batch = [...this.#pending.values()].map((p) => JSON.stringify(p));
      this.#pending.clear();
      const calls = batch.map((payload) => sql`pg_notify(${LIVE_CHANNEL}, ${payload})`);
      try {
        // One statement, one transaction, one take of the commit lock for the whole batch.
        await sql`select ${sql.join(calls)}`.execute(this.opts.db);
        this.stats.notifies += batch.length;
      } catch (err) {
        // Lost pointers are repaired by the receivers' periodic resync (server/live/delivery.ts).
        this.opts.log.warn({ err: (err as Error).message, pointers: batch.length }, 'live: notify failed');
      }
    }
    this.#flushing = false;
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
