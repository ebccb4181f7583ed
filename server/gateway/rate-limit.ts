/**
 * A token bucket: `capacity` tokens, refilled continuously at `perSecond`. Used per connection for
 * frames and per visitor for messages and model calls (docs/architecture.md §8).
 */
export class TokenBucket {
  #tokens: number;
  #at: number;

  constructor(
    private readonly capacity: number,
    private readonly perSecond: number,
    private readonly now: () => number = Date.now,
  ) {
    this.#tokens = capacity;
    this.#at = now();
  }

  #refill(): void {
    const t = this.now();
    this.#tokens = Math.min(this.capacity, this.#tokens + ((t - this.#at) / 1000) * this.perSecond);
    this.#at = t;
  }

  /** Takes one token; false when the bucket is empty. */
  take(): boolean {
    this.#refill();
    if (this.#tokens < 1) return false;
    this.#tokens -= 1;
    return true;
  }

  /** Whether a token is available, without taking it. */
  available(): boolean {
    this.#refill();
    return this.#tokens >= 1;
  }

  /** Milliseconds until the next token. */
  retryAfterMs(): number {
    this.#refill();
    return this.#tokens >= 1 ? 0 : Math.ceil(((1 - this.#tokens) / this.perSecond) * 1000);
  }

  /** True when the bucket is full again (the entry holding it can be forgotten). */
  idle(): boolean {
    this.#refill();
    return this.#tokens >= this.capacity;
  }
}
