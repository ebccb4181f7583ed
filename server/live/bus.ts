import type { Kysely, RawBuilder } from 'kysely';
import { z } from 'zod';

/**
 * What crosses between nodes (docs/scaling.md): a pointer, never the data. A receiving node reads
 * what the pointer names from the database, so a lost or reordered pointer costs a read, not a
 * message, and nothing private ever travels through the notification queue.
 */
export const LivePointer = z.discriminatedUnion('k', [
  /** A message was stored: conversation `c` now has messages up to `s` (site `t`). */
  z.object({
    k: z.literal('m'),
    c: z.string().max(100),
    s: z.number().int().positive(),
    t: z.string().max(100),
  }),
  /** A confirm card of conversation `c` changed (`i` is its id). */
  z.object({ k: z.literal('c'), c: z.string().max(100), i: z.string().max(100) }),
  /** The turn lease of conversation `c` was released: a node waiting for it may try now. */
  z.object({ k: z.literal('l'), c: z.string().max(100) }),
  /** Operator presence of site `t` changed. */
  z.object({ k: z.literal('p'), t: z.string().max(100) }),
]);
export type LivePointer = z.infer<typeof LivePointer>;

/** Parses a notification payload; null for anything that is not a pointer we know. */
export function parsePointer(payload: string | undefined): LivePointer | null {
  if (!payload || payload.length > 1000) return null;
  try {
    const parsed = LivePointer.safeParse(JSON.parse(payload));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

export interface LiveHandlers {
  /** A pointer from any node, this one included. */
  pointer(p: LivePointer): void;
  /**
   * The listener (re)connected and is listening: pointers sent while it was away were lost, so
   * the receiver reads what it has not seen (the LISTEN-then-SELECT rule, docs/scaling.md).
   */
  resync(): void;
}

/** The fan-out between nodes: PostgreSQL LISTEN/NOTIFY, or in process on one node (SQLite). */
export interface LiveBus {
  /** Tells every node (this one too). Fire and forget: a lost pointer is repaired by the next. */
  publish(p: LivePointer): void;
  /**
   * Runs `write` (one data-modifying statement with RETURNING, on the store's database), resolving
   * with its first row, and then tells every node `p` if given; rejects when the write failed.
   * PostgreSQL's bus runs the write inside its next notify statement, so the write costs no round
   * trip of its own (server/live/pg-bus.ts).
   */
  ride<R>(write: RawBuilder<R>, p?: LivePointer): Promise<R | undefined>;
  start(handlers: LiveHandlers): Promise<void>;
  close(): Promise<void>;
  /**
   * Pointers published and received so far, and the statements the bus itself sent (bench and
   * tests count its round trips).
   */
  readonly stats: {
    published: number;
    received: number;
    notifies: number;
    reconnects: number;
    statements: number;
  };
}

/** One node: the pointer is handed back in the same process, on the next turn of the loop. */
export class InProcessBus implements LiveBus {
  #handlers: LiveHandlers | null = null;
  readonly stats = { published: 0, received: 0, notifies: 0, reconnects: 0, statements: 0 };

  constructor(private readonly db: Kysely<unknown>) {}

  async ride<R>(write: RawBuilder<R>, p?: LivePointer): Promise<R | undefined> {
    this.stats.statements++;
    const { rows } = await write.execute(this.db);
    if (p) this.publish(p);
    return rows[0];
  }

  publish(p: LivePointer): void {
    this.stats.published++;
    queueMicrotask(() => {
      this.stats.received++;
      this.#handlers?.pointer(p);
    });
  }

  async start(handlers: LiveHandlers): Promise<void> {
    this.#handlers = handlers;
  }

  async close(): Promise<void> {
    this.#handlers = null;
  }
}
