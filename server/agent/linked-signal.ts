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
  #current: {
    controller: AbortController;
    timer: NodeJS.Timeout | undefined;
    timedOut: boolean;
    unfollow: () => void;
  } | null = null;

  constructor(private readonly outer: AbortSignal) {}

  /** The signal of the next step: aborts with the turn's signal, or `timeoutMs` from now. */
  next(timeoutMs: number): LinkedSignal {
    let cur = this.#current;
    if (!cur || cur.controller.signal.aborted) {
      const controller = new AbortController();
      const fresh: NonNullable<typeof cur> = {
        controller,
        timer: undefined,
        timedOut: false,
        unfollow: () => {},
      };
      if (this.outer.aborted) controller.abort(this.outer.reason);
      else
        fresh.unfollow = follow(this.outer, (reason) => {
          clearTimeout(fresh.timer);
          controller.abort(reason);
        });
      cur = fresh;
      this.#current = fresh;
    }
    const step = cur;
    clearTimeout(step.timer);
    step.timedOut = false;
    if (!step.controller.signal.aborted) {
      step.timer = setTimeout(() => {
        step.timedOut = true;
        step.unfollow();
        step.controller.abort(new DOMException('The operation was aborted due to timeout', 'TimeoutError'));
      }, timeoutMs);
      step.timer.unref();
    }
    return {
      signal: step.controller.signal,
      timedOut: () => step.timedOut,
      // The step is over: its timer stops; the signal stays linked for the next step.
      dispose: () => clearTimeout(step.timer),
      abort: (reason?: unknown) => {
        clearTimeout(step.timer);
        step.unfollow();
        step.controller.abort(reason);
      },
    };
  }

  /** The turn is over: unlinks the signal from the turn's. */
  dispose(): void {
    const cur = this.#current;
    this.#current = null;
    if (!cur) return;
    clearTimeout(cur.timer);
    cur.unfollow();
  }
}
