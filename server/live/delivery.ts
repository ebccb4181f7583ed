import type { RawBuilder } from 'kysely';
import type { MessageFrame } from '../../shared/protocol.js';
import type { LiveBus, LivePointer } from './bus.js';

/** A conversation touched since a moment: enough to tell whether this node is behind on it. */
export interface Touched {
  id: string;
  siteId: string;
  lastSeq: number;
}

export interface DeliveryDeps {
  bus: LiveBus;
  /** Stored messages after `afterSeq`, oldest first. */
  read(conversationId: string, afterSeq: number, limit: number): Promise<MessageFrame[]>;
  /** Conversations updated at or after `sinceIso` among these ids or sites. */
  touched(ids: readonly string[], siteIds: readonly string[], sinceIso: string): Promise<Touched[]>;
  /** The site of a conversation (cached here), null when it does not exist. */
  siteOf(conversationId: string): Promise<string | null>;
  /** Whether anything on this node shows this conversation (a widget, or a console of its site). */
  interested(conversationId: string, siteId: string | undefined): boolean;
  /** Conversations with a widget on this node, and sites with a console on this node. */
  interests(): { conversations: string[]; sites: string[] };
  /** Hands a message to this node's sockets. Called once per seq per conversation, in seq order. */
  emit(conversationId: string, frame: MessageFrame): void;
  /** Pointers other than messages (confirm cards, leases, presence). */
  other(p: LivePointer): void;
  log: { warn(obj: object, msg: string): void };
  /** How often a node re-reads what it shows, in case a pointer was lost (ms). */
  resyncMs?: number;
}

const PAGE = 500;
/** Clock skew and commit lag allowed between nodes when reading "since" a moment. */
const MARGIN_MS = 5_000;
const MAX_MARKS = 100_000;

/**
 * Delivers stored messages to this node's sockets exactly once and in order, wherever they were
 * stored (docs/scaling.md). Per conversation it keeps a mark: every seq up to it has been handed
 * out. A message stored here goes out at once (and a pointer goes to the other nodes); a pointer
 * from elsewhere makes it read the conversation from its mark. A listener reconnect, and a timer in
 * case a NOTIFY was lost, re-read what this node shows: nothing lost, and the marks mean nothing
 * twice.
 */
export class LiveDelivery {
  readonly #marks = new Map<string, number>();
  readonly #chains = new Map<string, Promise<void>>();
  readonly #sites = new Map<string, string>();
  #syncedAt = Date.now();
  #timer: NodeJS.Timeout | undefined;
  /** Messages handed out after a read (not the local fast path): tests and the bench count them. */
  readonly stats = { fast: 0, read: 0, resyncs: 0 };

  constructor(private readonly deps: DeliveryDeps) {}

  /** The bus this node's pointers go through (tests terminate its listener). */
  get bus(): LiveBus {
    return this.deps.bus;
  }

  async start(): Promise<void> {
    await this.deps.bus.start({ pointer: (p) => this.#onPointer(p), resync: () => void this.resync() });
    const every = this.deps.resyncMs ?? 15_000;
    this.#timer = setInterval(() => void this.resync(), every);
    this.#timer.unref();
  }

  async close(): Promise<void> {
    clearInterval(this.#timer);
    await this.deps.bus.close();
  }

  /** A widget subscribed having read up to `seq`: from here on this node delivers what follows. */
  watch(conversationId: string, seq: number): void {
    if (!this.#marks.has(conversationId)) this.#remember(conversationId, seq);
  }

  /** The seq this node has delivered through, if it follows the conversation. */
  mark(conversationId: string): number | undefined {
    return this.#marks.get(conversationId);
  }

  /** A message stored by this node: out to its sockets now, and a pointer to every other node. */
  local(conversationId: string, frame: MessageFrame): void {
    this.#through(conversationId, frame.seq, frame);
    const known = this.#sites.get(conversationId);
    if (known) {
      this.deps.bus.publish({ k: 'm', c: conversationId, s: frame.seq, t: known });
      return;
    }
    this.deps.siteOf(conversationId).then(
      (t) => {
        if (!t) return;
        this.#sites.set(conversationId, t);
        this.deps.bus.publish({ k: 'm', c: conversationId, s: frame.seq, t });
      },
      (err: unknown) => this.deps.log.warn({ err }, 'live: site lookup failed'),
    );
  }

  /** Sends a pointer of another kind to every node. */
  publish(p: LivePointer): void {
    this.deps.bus.publish(p);
  }

  /** Runs a write, then sends a pointer to every node, in the bus's own statement (LiveBus `ride`). */
  ride<R>(write: RawBuilder<R>, p?: LivePointer): Promise<R | undefined> {
    return this.deps.bus.ride(write, p);
  }

  #onPointer(p: LivePointer): void {
    if (p.k !== 'm') {
      this.deps.other(p);
      return;
    }
    this.#sites.set(p.c, p.t);
    if (!this.deps.interested(p.c, p.t)) return;
    this.#through(p.c, p.s);
  }

  /**
   * Hands out everything up to `seq` not yet handed out. The common case (the next seq, in hand,
   * nothing queued) goes out synchronously; anything else reads from the mark, one read at a time
   * per conversation.
   */
  #through(conversationId: string, seq: number, inHand?: MessageFrame, sinceIso?: string): void {
    const mark = this.#marks.get(conversationId);
    if (mark !== undefined && seq <= mark) return;
    if (inHand && !this.#chains.has(conversationId) && (mark === undefined || seq === mark + 1)) {
      this.#remember(conversationId, seq);
      this.stats.fast++;
      this.deps.emit(conversationId, inHand);
      return;
    }
    const previous = this.#chains.get(conversationId) ?? Promise.resolve();
    const next = previous
      .then(() => this.#catchUp(conversationId, seq, sinceIso))
      .catch((err: unknown) => this.deps.log.warn({ err }, 'live: catch-up read failed'));
    const tracked = next.finally(() => {
      if (this.#chains.get(conversationId) === tracked) this.#chains.delete(conversationId);
    });
    this.#chains.set(conversationId, tracked);
  }

  async #catchUp(conversationId: string, seq: number, sinceIso?: string): Promise<void> {
    let after = this.#marks.get(conversationId);
    // Unknown here: a pointer names one message; a resync names a moment.
    const unknown = after === undefined;
    if (after === undefined) after = sinceIso ? 0 : Math.max(0, seq - 1);
    while (after < seq) {
      const rows = await this.deps.read(conversationId, after, PAGE);
      for (const frame of rows) {
        const mark = this.#marks.get(conversationId);
        if (mark !== undefined && frame.seq <= mark) continue;
        this.#remember(conversationId, frame.seq);
        if (sinceIso && unknown && frame.at < sinceIso) continue;
        this.stats.read++;
        this.deps.emit(conversationId, frame);
      }
      if (rows.length < PAGE) return;
      after = rows.at(-1)?.seq ?? seq;
    }
  }

  /**
   * Reads what this node shows and has not handed out: after the listener reconnects, and
   * periodically in case a pointer was lost (a node killed between its commit and its NOTIFY).
   */
  async resync(): Promise<void> {
    const from = new Date(this.#syncedAt - MARGIN_MS).toISOString();
    this.#syncedAt = Date.now();
    this.stats.resyncs++;
    const { conversations, sites } = this.deps.interests();
    if (conversations.length === 0 && sites.length === 0) return;
    try {
      for (let i = 0; i < Math.max(conversations.length, 1); i += PAGE) {
        const ids = conversations.slice(i, i + PAGE);
        const rows = await this.deps.touched(ids, i === 0 ? sites : [], from);
        for (const r of rows) {
          this.#sites.set(r.id, r.siteId);
          if (this.deps.interested(r.id, r.siteId)) this.#through(r.id, r.lastSeq, undefined, from);
        }
      }
    } catch (err) {
      // The next resync (timer or reconnect) tries again from the same moment.
      this.#syncedAt = Date.parse(from) + MARGIN_MS;
      this.deps.log.warn({ err }, 'live: resync failed');
    }
  }

  #remember(conversationId: string, seq: number): void {
    if (this.#marks.size >= MAX_MARKS && !this.#marks.has(conversationId)) {
      for (const id of this.#marks.keys()) {
        if (!this.deps.interested(id, this.#sites.get(id))) this.#marks.delete(id);
      }
      if (this.#sites.size >= MAX_MARKS) this.#sites.clear();
    }
    this.#marks.set(conversationId, seq);
  }
}
