/** A signal that aborts when any of its sources does, or after `timeoutMs`; `dispose` unlinks it. */
export interface LinkedSignal {
  signal: AbortSignal;
  /** Whether it aborted because the time ran out (not because a source did). */
  timedOut(): boolean;
  /** Unlinks it from its sources and stops its timer: call when the work it bounds is over. */
  dispose(): void;
  /** Aborts it now (as a source would), with `reason` or the usual AbortError. */
  abort(reason?: unknown): void;
}

type Follower = (reason: unknown) => void;

/**
 * Who follows each source: one 'abort' listener per source, however many signals link to it (the
 * process's drain signal is a source of every running turn; a listener each would pass Node's
 * listener warning at eleven turns).
 */
const FOLLOWERS = new WeakMap<AbortSignal, Set<Follower>>();

function follow(source: AbortSignal, follower: Follower): () => void {
  let set = FOLLOWERS.get(source);
  if (!set) {
    const followers = new Set<Follower>();
    set = followers;
    FOLLOWERS.set(source, followers);
    source.addEventListener(
      'abort',
      () => {
        for (const f of [...followers]) f(source.reason);
        followers.clear();
      },
      { once: true },
    );
  }
  set.add(follower);
  return () => FOLLOWERS.get(source)?.delete(follower);
}

/**
 * `AbortSignal.any([...sources, AbortSignal.timeout(ms)])` without their per-call cost: on Node 20
 * each `any` registers a weakly held dependant on every source (the drain signal lives as long as
 * the process) and `timeout` a timer the garbage collector must finalise, together several percent
 * of a visitor turn's CPU (one per turn and two per model step). Here a link is an entry in a set,
 * removed by `dispose`, and the timer is cleared.
 */
export function linkedSignal(sources: readonly AbortSignal[], timeoutMs?: number): LinkedSignal {
  const controller = new AbortController();
  let timedOut = false;
  let timer: NodeJS.Timeout | undefined;
  const unfollow: (() => void)[] = [];
  const dispose = () => {
    clearTimeout(timer);
    for (const u of unfollow) u();
    unfollow.length = 0;
  };
  const abort = (reason: unknown) => {
    dispose();
    controller.abort(reason);
  };
  const already = sources.find((s) => s.aborted);
  if (already) {
    controller.abort(already.reason);
  } else {
    for (const s of sources) unfollow.push(follow(s, abort));
    if (timeoutMs !== undefined) {
      timer = setTimeout(() => {
        timedOut = true;
        abort(new DOMException('The operation was aborted due to timeout', 'TimeoutError'));
      }, timeoutMs);
      // Like AbortSignal.timeout: a pending step timer does not keep the process alive.
      timer.unref();
    }
  }
  return { signal: controller.signal, timedOut: () => timedOut, dispose, abort };
}

/**
 * The signals of one turn's model steps, each bounded by its own timeout: one linked signal serves
 * consecutive steps, its timer re-armed per step, for as long as nothing aborts it (a timeout or the
 * turn's stop), instead of a new AbortController per step (≈ 7 µs each on Node 20, and garbage).
 * A step after an aborted one gets a fresh signal, so a retry after a timeout starts unaborted.
 */
export class StepSignals {
  #current: StepLink | null = null;

  constructor(private readonly outer: AbortSignal) {}

  /** The signal of the next step: aborts with the turn's signal, or `timeoutMs` from now. */
  next(timeoutMs: number): LinkedSignal {
    let link = this.#current;
    if (!link || link.signal.aborted) {
      link = new StepLink(this.outer);
      this.#current = link;
    }
    link.arm(timeoutMs);
    return link;
  }

  /** The turn is over: unlinks the signal from the turn's. */
  dispose(): void {
    this.#current?.unlink();
    this.#current = null;
  }
}

/**
 * One linked signal of StepSignals, the same object for every step it serves (a class, so a step
 * allocates nothing but its timer). `dispose` ends a step: the timer stops, the link stays.
 */
class StepLink implements LinkedSignal {
  readonly #controller = new AbortController();
  readonly signal = this.#controller.signal;
  #timer: NodeJS.Timeout | undefined;
  #timedOut = false;
  #unfollow: (() => void) | null = null;
  readonly #onTimeout = () => {
    this.#timedOut = true;
    this.abort(new DOMException('The operation was aborted due to timeout', 'TimeoutError'));
  };

  constructor(outer: AbortSignal) {
    if (outer.aborted) this.#controller.abort(outer.reason);
    else this.#unfollow = follow(outer, (reason) => this.abort(reason));
  }

  arm(timeoutMs: number): void {
    clearTimeout(this.#timer);
    this.#timedOut = false;
    if (this.signal.aborted) return;
    this.#timer = setTimeout(this.#onTimeout, timeoutMs);
    this.#timer.unref();
  }

  timedOut(): boolean {
    return this.#timedOut;
  }

  dispose(): void {
    clearTimeout(this.#timer);
  }

  abort(reason?: unknown): void {
    this.unlink();
    this.#controller.abort(reason);
  }

  unlink(): void {
    clearTimeout(this.#timer);
    this.#unfollow?.();
    this.#unfollow = null;
  }
}
