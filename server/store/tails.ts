import type { MessagesTable } from './schema.js';

/** Messages kept per conversation: the model's context (server/agent/agent.ts reads 20). */
export const TAIL_MESSAGES = 20;

/** Text kept over all conversations, in characters; the least recently used conversations go first. */
const BUDGET_CHARS = 4_000_000;

interface Tail {
  messages: MessagesTable[];
  chars: number;
}

/**
 * The last messages of recently active conversations, so a turn does not read its context back from
 * the database every time (reading and decoding twenty rows was the costliest statement of a visitor
 * turn on SQLite). A tail is only ever a copy: before it is used, the conversation's `last_seq` is
 * read (one small row) and the tail is used only if it ends exactly there. Messages are never
 * changed or deleted and their sequence numbers have no gaps, so a tail ending at `last_seq` is the
 * stored tail, whichever node or store appended to the conversation meanwhile.
 */
export class TailCache {
  readonly #tails = new Map<string, Tail>();
  #chars = 0;

  has(conversationId: string): boolean {
    return this.#tails.has(conversationId);
  }

  /** The last `limit` messages, oldest first, if the kept tail ends at `lastSeq` and holds them. */
  get(conversationId: string, lastSeq: number, limit: number): MessagesTable[] | null {
    const tail = this.#tails.get(conversationId);
    if (!tail) return null;
    const end = tail.messages.at(-1)?.seq ?? 0;
    if (end !== lastSeq || limit > TAIL_MESSAGES) return null;
    // Most recently used last: Map order is the eviction order.
    this.#tails.delete(conversationId);
    this.#tails.set(conversationId, tail);
    return tail.messages.slice(-limit);
  }

  /** Keeps what was just read: the last TAIL_MESSAGES messages (or all there are), oldest first. */
  set(conversationId: string, messages: readonly MessagesTable[]): void {
    this.forget(conversationId);
    const kept = messages.slice(-TAIL_MESSAGES);
    const tail = { messages: kept, chars: kept.reduce((n, m) => n + m.text.length, 0) };
    this.#tails.set(conversationId, tail);
    this.#chars += tail.chars;
    this.#evict();
  }

  /** A message just committed: extends the tail it follows; any other tail is dropped. */
  appended(message: MessagesTable): void {
    const tail = this.#tails.get(message.conversation_id);
    if (!tail) return;
    if ((tail.messages.at(-1)?.seq ?? 0) !== message.seq - 1) {
      this.forget(message.conversation_id);
      return;
    }
    tail.messages.push(message);
    tail.chars += message.text.length;
    this.#chars += message.text.length;
    while (tail.messages.length > TAIL_MESSAGES) {
      const dropped = tail.messages.shift() as MessagesTable;
      tail.chars -= dropped.text.length;
      this.#chars -= dropped.text.length;
    }
    this.#evict();
  }

  forget(conversationId: string): void {
    const tail = this.#tails.get(conversationId);
    if (!tail) return;
    this.#tails.delete(conversationId);
    this.#chars -= tail.chars;
  }

  #evict(): void {
    for (const [id] of this.#tails) {
      if (this.#chars <= BUDGET_CHARS) return;
      this.forget(id);
    }
  }
}
