import type { Kysely } from 'kysely';
import { messageFrame } from '../gateway/frames.js';
import type { ConversationHub } from '../gateway/hub.js';
import type { ConversationStore } from '../store/conversations.js';
import type { Database } from '../store/schema.js';
import { InProcessBus, type LiveBus, type LivePointer } from './bus.js';
import { LiveDelivery } from './delivery.js';

export interface LiveWiring {
  db: Kysely<Database>;
  /** PostgreSQL: LISTEN/NOTIFY between nodes; absent: one node, in process (SQLite). */
  databaseUrl?: string | undefined;
  hub: ConversationHub;
  conversations: ConversationStore;
  /** Sites with a console open on this node. */
  consoleSites(): string[];
  /** Pointers the console side handles (operator presence). */
  presence?(siteId: string): void;
  log: { info(obj: object, msg: string): void; warn(obj: object, msg: string): void };
  resyncMs?: number;
}

/**
 * Connects this node's hub to every other node (docs/scaling.md): builds the bus the store
 * selects and the delivery that hands stored messages to this node's sockets once each.
 */
export async function startLive(w: LiveWiring): Promise<{ delivery: LiveDelivery; bus: LiveBus }> {
  let bus: LiveBus;
  if (w.databaseUrl) {
    // Imported only here: `pg` costs ~50-100 ms of module set-up on every start, and SQLite never
    // needs it (the PostgreSQL store imports it the same way, server/store/db.ts).
    const { PgBus } = await import('./pg-bus.js');
    bus = new PgBus({ url: w.databaseUrl, db: w.db as unknown as Kysely<unknown>, log: w.log });
  } else {
    bus = new InProcessBus(w.db as unknown as Kysely<unknown>);
  }
  const sites = new Map<string, string>();
  const siteOf = async (id: string): Promise<string | null> => {
    const known = sites.get(id);
    if (known) return known;
    const row = await w.db
      .selectFrom('conversations')
      .select('site_id')
      .where('id', '=', id)
      .executeTakeFirst();
    if (!row) return null;
    if (sites.size > 50_000) sites.clear();
    sites.set(id, row.site_id);
    return row.site_id;
  };
  const delivery = new LiveDelivery({
    bus,
    read: async (id, after, limit) => (await w.conversations.since(id, after, limit)).map(messageFrame),
    touched: async (ids, siteIds, sinceIso) => {
      if (ids.length === 0 && siteIds.length === 0) return [];
      const rows = await w.db
        .selectFrom('conversations')
        .select(['id', 'site_id', 'last_seq'])
        .where('updated_at', '>=', sinceIso)
        .where((eb) => {
          const any = [];
          if (ids.length > 0) any.push(eb('id', 'in', ids));
          if (siteIds.length > 0) any.push(eb('site_id', 'in', siteIds));
          return eb.or(any);
        })
        .execute();
      return rows.map((r) => ({ id: r.id, siteId: r.site_id, lastSeq: Number(r.last_seq) }));
    },
    siteOf,
    interested: (id, siteId) =>
      w.hub.subscribed(id) || (siteId !== undefined && w.consoleSites().includes(siteId)),
    interests: () => ({ conversations: w.hub.conversations(), sites: w.consoleSites() }),
    emit: (id, frame) => w.hub.deliver(id, frame),
    other: (p: LivePointer) => {
      if (p.k === 'p') w.presence?.(p.t);
      else if (p.k === 'c' || p.k === 'l') w.hub.pointer(p);
    },
    log: w.log,
    ...(w.resyncMs ? { resyncMs: w.resyncMs } : {}),
  });
  w.hub.live = delivery;
  await delivery.start();
  return { delivery, bus };
}
