/**
 * A fixed-window counter per key (registrations per address). Bounded: past 50,000 keys, expired
 * windows are swept, so a flood of addresses cannot grow it without end.
 */
export class WindowLimiter {
  readonly #hits = new Map<string, { count: number; resetAt: number }>();

  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Counts one hit; false (and not counted) when the key's window is already full. */
  take(key: string): boolean {
    const t = this.now();
    if (this.#hits.size > 50_000) {
      for (const [k, v] of this.#hits) if (v.resetAt <= t) this.#hits.delete(k);
    }
    let hit = this.#hits.get(key);
    if (!hit || hit.resetAt <= t) {
      hit = { count: 0, resetAt: t + this.windowMs };
      this.#hits.set(key, hit);
    }
    if (hit.count >= this.limit) return false;
    hit.count++;
    return true;
  }
}
