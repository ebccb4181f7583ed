/** Waiting on conditions (never on time alone): poll until true or a deadline, then say what was seen. */
import type { E2EPage, PageFunction } from './types.js';
import { EngineError } from './types.js';

const INTERVAL_MS = 100;

/**
 * Polls `probe` until `done(value)` holds, at most `timeout` ms; returns the last value. The error
 * names the engine, what was awaited and the last value seen.
 */
export async function pollUntil<T>(
  page: Pick<E2EPage, 'engine'>,
  what: string,
  probe: () => Promise<T>,
  done: (value: T) => boolean,
  timeout = 15_000,
): Promise<T> {
  const deadline = Date.now() + timeout;
  let last: T | undefined;
  let error: unknown;
  for (let i = 0; i < Math.ceil(timeout / INTERVAL_MS) + 1; i++) {
    try {
      last = await probe();
      error = undefined;
      if (done(last)) return last;
    } catch (e) {
      // A crashed browser will not recover: stop at once instead of polling the corpse.
      if (e instanceof EngineError && /closed|crash|disconnect|terminated|not connected/i.test(e.message))
        throw e;
      error = e;
    }
    if (Date.now() >= deadline) break;
    await new Promise((r) => setTimeout(r, INTERVAL_MS));
  }
  const seen = error instanceof Error ? error.message : JSON.stringify(last);
  throw new EngineError(page.engine, `timed out after ${timeout} ms waiting for ${what}; last seen: ${seen}`);
}

/** Polls an in-page function until it returns a truthy value, and returns that value. */
export function waitForFunction<A, R>(
  page: E2EPage,
  fn: PageFunction<A, R>,
  arg: A,
  timeout = 15_000,
): Promise<R> {
  return pollUntil(
    page,
    `page condition ${fn.name || 'function'}`,
    () => page.evaluate(fn, arg),
    Boolean,
    timeout,
  );
}
