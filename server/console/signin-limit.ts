/**
 * Failed sign-ins per address and per account (C2), in a fixed window each. A guesser spread over
 * many addresses still hits the account's limit; one address trying many accounts hits its own.
 * Only failures count, so a team signing in from one office address is never locked out by itself.
 */
/** The limits a sign-in checks first and counts its failure against (C2). */
export interface SignInLimits {
  /** How long to wait when either limit is spent (checked before any password work), else null. */
  blocked(address: string, email: string): Promise<number | null> | number | null;
  /** Counts a failed attempt against the address and the account. */
  failed(address: string, email: string): Promise<void> | void;
}

/** One node's limits, in memory (SQLite: one node); several nodes use `SharedSignInLimiter`. */
export class SignInLimiter implements SignInLimits {
  readonly #hits = new Map<string, { count: number; resetAt: number }>();

  constructor(
    private readonly perAddress = 20,
    private readonly perAccount = 5,
    private readonly windowMs = 60_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** How long to wait when either limit is spent (checked before any password work), else null. */
  blocked(address: string, email: string): number | null {
    const t = this.now();
    const wait = (key: string, limit: number) => {
      const hit = this.#hits.get(key);
      return hit && hit.resetAt > t && hit.count >= limit ? hit.resetAt - t : 0;
    };
    const w = Math.max(
      wait(`ip:${address}`, this.perAddress),
      wait(`acct:${email.toLowerCase()}`, this.perAccount),
    );
    return w > 0 ? w : null;
  }

  /** Counts a failed attempt against the address and the account. */
  failed(address: string, email: string): void {
    this.#count(`ip:${address}`);
    this.#count(`acct:${email.toLowerCase()}`);
  }

  #count(key: string): void {
    const t = this.now();
    if (this.#hits.size > 50_000) this.#sweep(t);
    let hit = this.#hits.get(key);
    if (!hit || hit.resetAt <= t) {
      hit = { count: 0, resetAt: t + this.windowMs };
      this.#hits.set(key, hit);
    }
    hit.count++;
  }

  #sweep(t: number): void {
    for (const [k, v] of this.#hits) if (v.resetAt <= t) this.#hits.delete(k);
  }
}
