import type { Kysely } from 'kysely';
import type { Database } from '../store/schema.js';

/** How often a node writes its operators and reads everyone's. */
const SYNC_MS = 5_000;
/** Rows older than this belong to a node that stopped (or died) and are not counted. */
const TTL_MS = 15_000;

export interface PresenceBoardOptions {
  db: Kysely<Database>;
  nodeId: string;
  /** The operators with a console open on this node. */
  local(): { siteId: string; operatorId: string }[];
  /** The count of a site changed: tell this node's consoles. */
  changed(siteId: string): void;
  /** This node's operators of a site changed and are written: tell the other nodes to sync now. */
  announce?(siteId: string): void;
  log: { warn(obj: object, msg: string): void };
  syncMs?: number;
  ttlMs?: number;
}

/**
 * Operator presence across nodes (docs/scaling.md, "Operator presence"): every few seconds, and at
 * once when a console opens or closes here, this node replaces its rows in `operator_presence` and
 * reads how many distinct operators each site has on any node. Handoff asks it whether someone can
 * answer; a count at most one sync old cannot break an invariant (a queued visitor is told the wait
 * or offered a ticket, and the bot stops once a person is online).
 */
export class PresenceBoard {
  readonly #counts = new Map<string, number>();
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | null = null;
  #again = false;
  #announce = false;
  #closed = false;
  /** The sites of this node's operators as last written. */
  #written = new Set<string>();

  constructor(private readonly opts: PresenceBoardOptions) {}

  start(): void {
    this.#timer = setInterval(() => this.poke(), this.opts.syncMs ?? SYNC_MS);
    this.#timer.unref();
    this.poke();
  }

  /** Distinct operators of the site online on any node, as of the last sync. */
  online(siteId: string): number {
    return this.#counts.get(siteId) ?? 0;
  }

  /**
   * Sync soon; syncs never overlap, and one asked for during a sync runs after it. `local`: this
   * node's consoles changed, so the other nodes are told once the rows are written.
   */
  poke(local = false): void {
    if (this.#closed) return;
    if (local) this.#announce = true;
    if (this.#running) {
      this.#again = true;
      return;
    }
    this.#running = this.#sync()
      .catch((err: unknown) =>
        this.opts.log.warn({ err: err instanceof Error ? err.message : String(err) }, 'presence sync failed'),
      )
      .finally(() => {
        this.#running = null;
        if (this.#again) {
          this.#again = false;
          this.poke();
        }
      });
  }

  /** Stops syncing and removes this node's rows, so its operators stop counting at once. */
  async close(): Promise<void> {
    this.#closed = true;
    clearInterval(this.#timer);
    await this.#running;
    await this.opts.db
      .deleteFrom('operator_presence')
      .where('node', '=', this.opts.nodeId)
      .execute()
      .catch(() => {});
  }

  async #sync(): Promise<void> {
    const { db, nodeId } = this.opts;
    const now = Date.now();
    const seenAt = new Date(now).toISOString();
    const mine = new Map(this.opts.local().map((o) => [o.operatorId, o.siteId]));
    const announce = this.#announce;
    this.#announce = false;
    await db.transaction().execute(async (trx) => {
      await trx.deleteFrom('operator_presence').where('node', '=', nodeId).execute();
      if (mine.size > 0)
        await trx
          .insertInto('operator_presence')
          .values(
            [...mine].map(([operatorId, siteId]) => ({
              node: nodeId,
              operator_id: operatorId,
              site_id: siteId,
              seen_at: seenAt,
            })),
          )
          .execute();
    });
    const sites = new Set(mine.values());
    if (announce) for (const site of new Set([...sites, ...this.#written])) this.opts.announce?.(site);
    this.#written = sites;
    const fresh = new Date(now - (this.opts.ttlMs ?? TTL_MS)).toISOString();
    await db.deleteFrom('operator_presence').where('seen_at', '<', fresh).execute();
    const rows = await db
      .selectFrom('operator_presence')
      .select(['site_id', (eb) => eb.fn.count<number>('operator_id').distinct().as('n')])
      .where('seen_at', '>=', fresh)
      .groupBy('site_id')
      .execute();
    const counts = new Map(rows.map((r) => [r.site_id, Number(r.n)]));
    for (const site of new Set([...counts.keys(), ...this.#counts.keys()])) {
      const n = counts.get(site) ?? 0;
      if (n === (this.#counts.get(site) ?? 0)) continue;
      if (n === 0) this.#counts.delete(site);
      else this.#counts.set(site, n);
      this.opts.changed(site);
    }
  }
}
