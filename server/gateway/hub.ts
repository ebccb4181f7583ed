import type { ConfirmRequestFrame, ServerFrame } from '../../shared/protocol.js';

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
  readonly #inflight = new Map<string, { id: string; text: string }>();
  readonly #queues = new Map<string, Promise<void>>();
  readonly #confirms = new Map<
    string,
    { conversationId: string; card: ConfirmRequestFrame; settle(accept: boolean | null): void }
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

  /** The reply currently streaming in this conversation, if any. */
  inflight(conversationId: string): { id: string; text: string } | undefined {
    return this.#inflight.get(conversationId);
  }

  startReply(conversationId: string, id: string): void {
    this.#inflight.set(conversationId, { id, text: '' });
    this.broadcast(conversationId, { type: 'reply_start', id });
  }

  appendReply(conversationId: string, text: string): void {
    const current = this.#inflight.get(conversationId);
    if (!current) return;
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
  ): Promise<'accepted' | 'declined' | 'expired'> {
    return new Promise((resolve) => {
      const ms = Math.max(0, Date.parse(card.expiresAt) - Date.now());
      const timer = setTimeout(() => settle(null), ms);
      const settle = (accept: boolean | null) => {
        if (!this.#confirms.delete(card.confirmId)) return;
        clearTimeout(timer);
        const outcome = accept === null ? 'expired' : accept ? 'accepted' : 'declined';
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
    pending.settle(accept);
    return true;
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
