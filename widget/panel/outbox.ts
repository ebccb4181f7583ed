/**
 * Visitor messages not yet acknowledged by the server (docs/architecture.md §1.4). Each has a client id, so a
 * resend after a reconnect is stored once (the server dedupes on it). One message is in flight at a
 * time, and the next waits for the reply to the previous one, so the server never answers `busy`.
 */
import type { OutboxItem } from './storage.js';

/** Errors after which the same message is sent again a little later (after `retryAfterMs` if given). */
const RETRY_LATER = new Set(['busy', 'rate_limited', 'model_budget']);
/** The server is going away: the message stays queued for the next process. */
const KEEP_FOR_RECONNECT = new Set(['shutting_down']);
/** Codes that need no notice when they are not about a queued message (the outbox copes). */
const SILENT = new Set(['busy', 'rate_limited', 'shutting_down']);
const RETRY_MS = 2_500;
/** Bounds on the server's `retryAfterMs`: never a tight loop, never a wait that looks like a hang. */
const MIN_RETRY_MS = 500;
const MAX_RETRY_MS = 5 * 60_000;
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
  /** Set while the server asked us to wait (rate limit, budget): nothing is sent until it fires. */
  private hold: ReturnType<typeof setTimeout> | undefined;

  /** @param transmit sends one message frame; false when not connected (it stays queued). */
  constructor(private readonly transmit: (item: OutboxItem) => boolean) {}

  /** Replaces the queue (stored items after a reload, or none for a new identity). */
  load(items: OutboxItem[]): void {
    this.items = items;
    this.release();
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

  /**
   * An error frame about a queued message: kept (sent again later, or after the next welcome) or
   * dropped (shown as not sent). Returns how long a kept message waits, in ms (0: until reconnected).
   */
  refuse(
    clientId: string,
    code: string,
    retryAfterMs?: number,
  ): { kept: false } | { kept: true; waitMs: number } {
    if (this.inFlight === clientId) this.inFlight = null;
    if (RETRY_LATER.has(code)) return { kept: true, waitMs: this.holdFor(retryAfterMs) };
    if (KEEP_FOR_RECONNECT.has(code)) return { kept: true, waitMs: 0 };
    this.items = this.items.filter((o) => o.clientId !== clientId);
    this.flush();
    return { kept: false };
  }

  /** The message in flight, if any (a frame-level refusal names no client id). */
  get sending(): string | null {
    return this.inFlight;
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
    if (!item || this.inFlight || this.awaitingReply || this.hold) return;
    if (this.transmit(item)) this.inFlight = item.clientId;
  }

  destroy(): void {
    this.release();
    this.settle();
  }

  /** Waits before the next send; the hold outlives reconnects, as the server's limit does. */
  private holdFor(retryAfterMs: number | undefined): number {
    const ms =
      typeof retryAfterMs === 'number' && Number.isFinite(retryAfterMs)
        ? Math.min(MAX_RETRY_MS, Math.max(MIN_RETRY_MS, retryAfterMs))
        : RETRY_MS;
    clearTimeout(this.hold);
    this.hold = setTimeout(() => {
      this.hold = undefined;
      this.flush();
    }, ms);
    return ms;
  }

  private release(): void {
    clearTimeout(this.hold);
    this.hold = undefined;
  }

  private settle(): void {
    clearTimeout(this.watchdog);
    this.inFlight = null;
    this.awaitingReply = false;
  }
}

/** Whether an error code that names no queued message needs no notice (the outbox copes). */
export function isTransient(code: string): boolean {
  return SILENT.has(code);
}
