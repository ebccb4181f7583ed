import type { ConfirmRequestFrame, ConfirmResultFrame, ServerFrame } from '../../shared/protocol.js';

type ConfirmOutcome = ConfirmResultFrame['outcome'];

/** A socket as the hub sees it: something frames can be sent to. */
export interface Subscriber {
  send(frame: ServerFrame): void;
}

/**
 * Live state per conversation: the sockets showing it (two tabs of one visitor), the reply being
 * streamed (so a reconnecting widget gets what it missed), and the queue of turns, which run one
 * at a time in message order.
 */
export class ConversationHub {
  readonly #subscribers = new Map<string, Set<Subscriber>>();
  /** `started`: reply_start was sent (it is sent with the first text, so a withdrawn turn shows nothing). */
  readonly #inflight = new Map<string, { id: string; text: string; started: boolean }>();
  readonly #queues = new Map<string, Promise<void>>();
  readonly #confirms = new Map<
    string,
    { conversationId: string; card: ConfirmRequestFrame; settle(outcome: ConfirmOutcome): void }
  >();

  subscribe(conversationId: string, sub: Subscriber): () => void {
    let set = this.#subscribers.get(conversationId);
    if (!set) {
      set = new Set();
      this.#subscribers.set(conversationId, set);
    }
    set.add(sub);
    return () => {
      set.delete(sub);
      if (set.size === 0) this.#subscribers.delete(conversationId);
    };
  }

  broadcast(conversationId: string, frame: ServerFrame): void {
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
      this.broadcast(conversationId, { type: 'reply_start', id: current.id });
    }
    current.text += text;
    this.broadcast(conversationId, { type: 'delta', id: current.id, text });
  }

  endReply(conversationId: string): void {
    this.#inflight.delete(conversationId);
  }

  /**
   * Broadcasts a confirm card and waits for the first answer from any of the visitor's sockets.
   * A second click, or a click after expiry, finds nothing pending (W6).
   */
  requestConfirm(
    conversationId: string,
    card: { confirmId: string; tool: string; summary: string; expiresAt: string },
  ): Promise<ConfirmOutcome> {
    return new Promise((resolve) => {
      const ms = Math.max(0, Date.parse(card.expiresAt) - Date.now());
      const timer = setTimeout(() => settle('expired'), ms);
      const settle = (outcome: ConfirmOutcome) => {
        if (!this.#confirms.delete(card.confirmId)) return;
        clearTimeout(timer);
        this.broadcast(conversationId, { type: 'confirm_result', confirmId: card.confirmId, outcome });
        resolve(outcome);
      };
      const frame: ConfirmRequestFrame = { type: 'confirm_request', ...card };
      this.#confirms.set(card.confirmId, { conversationId, card: frame, settle });
      this.broadcast(conversationId, frame);
    });
  }

  /** A click on a confirm card; false when nothing of this conversation is pending under that id. */
  answerConfirm(conversationId: string, confirmId: string, accept: boolean): boolean {
    const pending = this.#confirms.get(confirmId);
    if (!pending || pending.conversationId !== conversationId) return false;
    pending.settle(accept ? 'accepted' : 'declined');
    return true;
  }

  /**
   * Withdraws the cards waiting in a conversation (or in every conversation): the visitor wrote
   * something else, or the process is going away. Nothing is written; a later click finds nothing.
   * Issue #14: a turn never waits on the visitor.
   */
  withdrawConfirms(conversationId?: string): number {
    let n = 0;
    for (const pending of [...this.#confirms.values()]) {
      if (conversationId !== undefined && pending.conversationId !== conversationId) continue;
      pending.settle('withdrawn');
      n++;
    }
    return n;
  }

  /** Cards still waiting in a conversation, replayed to a reconnecting widget so a reload keeps them. */
  pendingConfirms(conversationId: string): ConfirmRequestFrame[] {
    return [...this.#confirms.values()].filter((p) => p.conversationId === conversationId).map((p) => p.card);
  }

  /** Runs `task` after every earlier task of this conversation has finished. */
  enqueue(conversationId: string, task: () => Promise<void>): Promise<void> {
    const previous = this.#queues.get(conversationId) ?? Promise.resolve();
    const next = previous.then(task, task);
    const tracked = next.finally(() => {
      if (this.#queues.get(conversationId) === tracked) this.#queues.delete(conversationId);
    });
    this.#queues.set(conversationId, tracked);
    return tracked;
  }

  /** Whether a turn of this conversation is running or queued. */
  busy(conversationId: string): boolean {
    return this.#queues.has(conversationId);
  }

  /** Resolves when every queued turn has finished (graceful shutdown). */
  async drain(): Promise<void> {
    await Promise.allSettled([...this.#queues.values()]);
  }
}
