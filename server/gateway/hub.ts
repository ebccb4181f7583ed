import type { Kysely } from 'kysely';
import type { ConfirmRequestFrame, ServerFrame } from '../../shared/protocol.js';
import type { ConfirmAnswer } from '../agent/loop.js';
import type { LiveDelivery } from '../live/delivery.js';
import type { Database } from '../store/schema.js';
import { type CardRequest, ConfirmBoard, type ConfirmedCall } from './confirm-board.js';
import { LocalTurnOrder, type TurnOptions, type TurnOrder } from './turn-order.js';

/** A socket as the hub sees it: something frames can be sent to. */
export interface Subscriber {
  send(frame: ServerFrame): void;
}

export interface HubDeps {
  db: Kysely<Database>;
  /** This process, among the nodes sharing the database. */
  nodeId: string;
  /** One turn at a time per conversation: in process, or leased across nodes. */
  turns?: TurnOrder;
  log: { warn(obj: object, msg: string): void };
}

/**
 * Live state per conversation on this node: the sockets showing it (two tabs of one visitor), the
 * reply being streamed (so a reconnecting widget gets what it missed). What another node could need
 * is elsewhere (docs/scaling.md): stored messages reach other nodes' sockets through the live
 * delivery, confirm cards are in the database (ConfirmBoard), and turn order is the TurnOrder's.
 */
export class ConversationHub {
  readonly #subscribers = new Map<string, Set<Subscriber>>();
  /** `started`: reply_start was sent (it is sent with the first text, so a withdrawn turn shows nothing). */
  readonly #inflight = new Map<string, { id: string; text: string; started: boolean }>();
  readonly #turns: TurnOrder;
  readonly confirms: ConfirmBoard;
  readonly nodeId: string;
  readonly #log: HubDeps['log'];
  /** The fan-out to every node (server/live); without it, messages reach this node's sockets only. */
  live: LiveDelivery | null = null;

  constructor(deps: HubDeps) {
    this.nodeId = deps.nodeId;
    this.#log = deps.log;
    this.#turns = deps.turns ?? new LocalTurnOrder();
    this.confirms = new ConfirmBoard({
      db: deps.db,
      nodeId: deps.nodeId,
      deliver: (cid, frame) => this.deliver(cid, frame),
      announce: (cid, id) => this.live?.publish({ k: 'c', c: cid, i: id }),
      log: deps.log,
    });
  }

  /**
   * Adds a socket showing a conversation; `seenSeq` is what the caller has read (or will replay)
   * from the database, so the live delivery hands it what follows.
   */
  subscribe(conversationId: string, sub: Subscriber, seenSeq?: number): () => void {
    let set = this.#subscribers.get(conversationId);
    if (!set) {
      set = new Set();
      this.#subscribers.set(conversationId, set);
    }
    set.add(sub);
    if (seenSeq !== undefined) this.live?.watch(conversationId, seenSeq);
    return () => {
      set.delete(sub);
      if (set.size === 0) this.#subscribers.delete(conversationId);
    };
  }

  /** Whether a socket on this node shows the conversation. */
  subscribed(conversationId: string): boolean {
    return this.#subscribers.has(conversationId);
  }

  /** Conversations shown by sockets on this node. */
  conversations(): string[] {
    return [...this.#subscribers.keys()];
  }

  /**
   * Sends a frame to everyone showing the conversation. A stored message goes through the live
   * delivery (every node, once each, in seq order); other frames are this node's (a streaming
   * reply, tool chips, typing) and reach other nodes' sockets only as the stored message.
   */
  broadcast(conversationId: string, frame: ServerFrame): void {
    if (frame.type === 'message' && this.live) this.live.local(conversationId, frame);
    else this.deliver(conversationId, frame);
  }

  /** Sends a frame to this node's sockets of the conversation. */
  deliver(conversationId: string, frame: ServerFrame): void {
    for (const sub of this.#subscribers.get(conversationId) ?? []) {
      // One broken socket must not keep the frame from the visitor's other tabs.
      try {
        sub.send(frame);
      } catch {
        // The subscriber's own close handler cleans it up.
      }
    }
  }

  /** The reply currently streaming in this conversation, if it has said anything yet. */
  inflight(conversationId: string): { id: string; text: string } | undefined {
    const current = this.#inflight.get(conversationId);
    return current?.started ? current : undefined;
  }

  /** A reply begins; its reply_start goes out with its first text. */
  startReply(conversationId: string, id: string): void {
    this.#inflight.set(conversationId, { id, text: '', started: false });
  }

  appendReply(conversationId: string, text: string): void {
    const current = this.#inflight.get(conversationId);
    if (!current || !text) return;
    if (!current.started) {
      current.started = true;
      this.deliver(conversationId, { type: 'reply_start', id: current.id });
    }
    current.text += text;
    this.deliver(conversationId, { type: 'delta', id: current.id, text });
  }

  endReply(conversationId: string): void {
    this.#inflight.delete(conversationId);
  }

  /**
   * Shows a confirm card on every node and waits for the first answer from any of the visitor's
   * sockets, wherever they are. A second click, or a click after expiry, finds nothing pending (W6).
   */
  requestConfirm(conversationId: string, card: CardRequest): Promise<ConfirmAnswer> {
    return this.confirms.request(conversationId, card);
  }

  /** A click on a confirm card; false when nothing of this conversation is pending under that id. */
  answerConfirm(
    conversationId: string,
    confirmId: string,
    accept: boolean,
    call: ConfirmedCall,
  ): Promise<boolean> {
    return this.confirms.answer(conversationId, confirmId, accept, call);
  }

  /**
   * Withdraws the cards waiting in a conversation (or every card this node's turns wait on): the
   * visitor wrote something else, or the process is going away. Nothing is written; a later click
   * finds nothing. Issue #14: a turn never waits on the visitor.
   */
  withdrawConfirms(conversationId?: string): Promise<number> {
    return this.confirms.withdraw(conversationId === undefined ? { node: true } : { conversationId });
  }

  /** Cards still waiting in a conversation, replayed to a reconnecting widget so a reload keeps them. */
  pendingConfirms(conversationId: string): Promise<ConfirmRequestFrame[]> {
    return this.confirms.pending(conversationId);
  }

  /** Runs `task` after every earlier task of this conversation has finished (on any node). */
  enqueue(conversationId: string, task: () => Promise<void>, opts?: TurnOptions): Promise<void> {
    return this.#turns.enqueue(conversationId, task, opts);
  }

  /** Whether a turn of this conversation is running or queued on this node. */
  busy(conversationId: string): boolean {
    return this.#turns.busy(conversationId);
  }

  /** A pointer about cards or leases from any node (server/live). */
  pointer(p: { k: 'c'; c: string; i: string } | { k: 'l'; c: string }): void {
    if (p.k === 'l') {
      this.#turns.released(p.c);
      return;
    }
    this.#turns.cardChanged?.(p.c);
    if (!this.subscribed(p.c) && !this.confirms.waiting(p.i)) return;
    this.confirms
      .changed(p.c, p.i, this.subscribed(p.c))
      .catch((err: unknown) => this.#log.warn({ err }, 'confirm pointer failed'));
  }

  /** Resolves when every queued turn has finished (graceful shutdown). */
  async drain(): Promise<void> {
    await this.#turns.drain();
  }
}
