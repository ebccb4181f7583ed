/**
 * Sign-in attempts per address and per account (C2): a fixed window each. A guesser spread over many
 * addresses still hits the account's limit; one address trying many accounts hits its own.
 */
export class SignInLimiter {
  readonly #hits = new Map<string, { count: number; resetAt: number }>();

  constructor(
    private readonly perAddress = 20,
    private readonly perAccount = 5,
    private readonly windowMs = 60_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** Counts an attempt; returns how long to wait when either limit is spent, else null. */
  attempt(address: string, email: string): number | null {
    const a = this.#take(`ip:${address}`, this.perAddress);
    const b = this.#take(`acct:${email.toLowerCase()}`, this.perAccount);
    const wait = Math.max(a ?? 0, b ?? 0);
    return a === null && b === null ? null : wait;
  }

  #take(key: string, limit: number): number | null {
    const t = this.now();
    if (this.#hits.size > 50_000) this.#sweep(t);
    let hit = this.#hits.get(key);
    if (!hit || hit.resetAt <= t) {
      hit = { count: 0, resetAt: t + this.windowMs };
      this.#hits.set(key, hit);
    }
    hit.count++;
    return hit.count > limit ? hit.resetAt - t : null;
  }

  #sweep(t: number): void {
    for (const [k, v] of this.#hits) if (v.resetAt <= t) this.#hits.delete(k);
  }
}
