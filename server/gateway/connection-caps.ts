/**
 * Open connections per client address and per visitor (WS9). `acquire` returns a release function,
 * or null when the cap is reached; releasing twice is harmless.
 */
export class ConnectionCaps {
  readonly #counts = new Map<string, number>();

  constructor(private readonly cap: number) {}

  acquire(key: string): (() => void) | null {
    const n = this.#counts.get(key) ?? 0;
    if (n >= this.cap) return null;
    this.#counts.set(key, n + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.#counts.get(key) ?? 1) - 1;
      if (left <= 0) this.#counts.delete(key);
      else this.#counts.set(key, left);
    };
  }

  count(key: string): number {
    return this.#counts.get(key) ?? 0;
  }
}
