/** At most `max` tasks at once; the rest wait in order (bounded concurrency per site, docs/crm.md). */
export class Limiter {
  #active = 0;
  readonly #waiting: (() => void)[] = [];

  constructor(private readonly max: number) {}

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.#active >= this.max) await new Promise<void>((resolve) => this.#waiting.push(resolve));
    this.#active++;
    try {
      return await task();
    } finally {
      this.#active--;
      this.#waiting.shift()?.();
    }
  }
}

/**
 * A short circuit breaker: after `threshold` failures in a row the CRM is not called for `openMs`, so
 * a CRM that is down costs visitors one quick `crm_unavailable` instead of a timeout each; then one
 * trial call decides whether it closes again.
 */
export class Breaker {
  #failures = 0;
  #openUntil = 0;
  #trial = false;

  constructor(
    private readonly threshold = 5,
    private readonly openMs = 10_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** Whether a call may go out now. */
  allow(): boolean {
    if (this.#failures < this.threshold) return true;
    if (this.now() < this.#openUntil || this.#trial) return false;
    this.#trial = true;
    return true;
  }

  success(): void {
    this.#failures = 0;
    this.#trial = false;
  }

  failure(): void {
    this.#failures++;
    this.#trial = false;
    if (this.#failures >= this.threshold) this.#openUntil = this.now() + this.openMs;
  }
}
