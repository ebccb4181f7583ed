/**
 * Visitor messages not yet acknowledged by the server (DESIGN §1.4). Each has a client id, so a
 * resend after a reconnect is stored once (the server dedupes on it). One message is in flight at a
 * time, and the next waits for the reply to the previous one, so the server never answers `busy`.
 */
import type { OutboxItem } from './storage.js';

/** Errors after which the same message is sent again a little later. */
const RETRY_LATER = new Set(['busy', 'rate_limited']);
/** The server is going away: the message stays queued for the next process. */
const KEEP_FOR_RECONNECT = new Set(['shutting_down']);
const RETRY_MS = 2_500;
/** If an acknowledged message never gets its reply, the queue moves on after this long. */
const REPLY_WATCHDOG_MS = 90_000;

export function newClientId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(12));
  return btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, '-')
    .replace(/\//g, '_');
}

export class Outbox {
  items: OutboxItem[] = [];
  /** Sent and not yet acknowledged. */
  private inFlight: string | null = null;
  /** Acknowledged; its reply is still coming. */
  private awaitingReply = false;
  private watchdog: ReturnType<typeof setTimeout> | undefined;
  private retry: ReturnType<typeof setTimeout> | undefined;

  /** @param transmit sends one message frame; false when not connected (it stays queued). */
  constructor(private readonly transmit: (item: OutboxItem) => boolean) {}

  /** Replaces the queue (stored items after a reload, or none for a new identity). */
  load(items: OutboxItem[]): void {
    this.items = items;
    this.settle();
  }

  add(text: string): OutboxItem {
    const item = { clientId: newClientId(), text, at: new Date().toISOString() };
    this.items.push(item);
    this.flush();
    return item;
  }

  has(clientId: string): boolean {
    return this.items.some((o) => o.clientId === clientId);
  }

  /** The server stored the message: it leaves the queue and its reply is awaited. */
  ack(clientId: string): OutboxItem | undefined {
    const item = this.items.find((o) => o.clientId === clientId);
    this.items = this.items.filter((o) => o !== item);
    if (this.inFlight === clientId) {
      this.inFlight = null;
      this.awaitingReply = true;
      clearTimeout(this.watchdog);
      this.watchdog = setTimeout(() => this.replied(), REPLY_WATCHDOG_MS);
    }
    this.flush();
    return item;
  }

  /** An error frame about a queued message: kept (sent again later) or dropped (shown as not sent). */
  refuse(clientId: string, code: string): 'kept' | 'dropped' {
    if (this.inFlight === clientId) this.inFlight = null;
    if (RETRY_LATER.has(code)) {
      clearTimeout(this.retry);
      this.retry = setTimeout(() => this.flush(), RETRY_MS);
      return 'kept';
    }
    if (KEEP_FOR_RECONNECT.has(code)) return 'kept';
    this.items = this.items.filter((o) => o.clientId !== clientId);
    this.flush();
    return 'dropped';
  }

  /** The assistant answered (or gave up): the next message may go. */
  replied(): void {
    clearTimeout(this.watchdog);
    this.awaitingReply = false;
    this.flush();
  }

  /** A new socket was welcomed: whatever was in flight is sent again with its client id. */
  connected(): void {
    this.settle();
    this.flush();
  }

  disconnected(): void {
    this.inFlight = null;
  }

  flush(): void {
    const item = this.items[0];
    if (!item || this.inFlight || this.awaitingReply) return;
    if (this.transmit(item)) this.inFlight = item.clientId;
  }

  destroy(): void {
    this.settle();
  }

  private settle(): void {
    clearTimeout(this.watchdog);
    clearTimeout(this.retry);
    this.inFlight = null;
    this.awaitingReply = false;
  }
}

/** Whether an error code means the message may simply be sent again (no notice needed). */
export function isTransient(code: string): boolean {
  return RETRY_LATER.has(code) || KEEP_FOR_RECONNECT.has(code);
}
