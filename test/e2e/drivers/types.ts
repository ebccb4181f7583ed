/**
 * The driver seam: what a visitor case needs from a browser, whatever drives it. A case is written
 * once against `E2EPage` and runs in every engine (chromium.ts, firefox.ts, webkit.ts).
 */

export type EngineName = 'chromium' | 'firefox' | 'webkit';

/**
 * Something on the page: by accessible role and name (as a screen reader would find it), or by a CSS
 * selector. Both look through open shadow roots, so the widget's controls are found inside
 * `<deputy-chat>`. `name` is compared after trimming, exactly.
 */
export type Target = { role: string; name: string } | { css: string };

/** How a new page (tab) is set up: its viewport and the media features it reports. */
export interface PageOptions {
  width?: number;
  height?: number;
  colorScheme?: 'light' | 'dark';
  reducedMotion?: 'reduce' | 'no-preference';
}

/** A function run inside the page with one JSON-serialisable argument; it may return a promise. */
export type PageFunction<A, R> = (arg: A) => R | Promise<R>;

/** One tab in one engine. Every method rejects with an error naming the engine when the browser fails. */
export interface E2EPage {
  readonly engine: EngineName;
  goto(url: string): Promise<void>;
  reload(): Promise<void>;
  back(): Promise<void>;
  forward(): Promise<void>;
  url(): Promise<string>;
  /** A real (trusted) click on the first visible match; throws if there is none. */
  click(target: Target): Promise<void>;
  /** Focuses the target, replaces its value with `text` by typing it. */
  fill(target: Target, text: string): Promise<void>;
  /** Types text into whatever has focus, key by key. */
  type(text: string): Promise<void>;
  /** Presses one key or a chord: 'Enter', 'Tab', 'Escape', 'Shift+Enter', 'Shift+Tab'. */
  press(key: string): Promise<void>;
  /** Runs `fn(arg)` in the page and returns its (JSON-serialisable) result. */
  evaluate<A, R>(fn: PageFunction<A, R>, arg: A): Promise<R>;
  /** Runs `fn(arg)` in every future document of this page before its own scripts, where the engine can. */
  addInitScript?<A>(fn: PageFunction<A, void>, arg: A): Promise<void>;
  /** The response headers of the last `goto`, where the engine reports them. */
  lastHeaders?(): Record<string, string> | null;
  screenshot(path: string): Promise<void>;
  close(): Promise<void>;
}

/** A running browser: one per test file and engine; a new page (fresh storage) per case. */
export interface Engine {
  readonly name: EngineName;
  /** Product and version, e.g. "Firefox 153.8.0esr". */
  readonly version: string;
  newPage(opts?: PageOptions): Promise<E2EPage>;
  /** Ids of every process this engine started (for the leak checks); empty once closed. */
  pids(): number[];
  /** Closes every page and stops every process the engine started. Safe to call twice. */
  close(): Promise<void>;
}

/** Thrown when an engine cannot start or fails: the message always begins with `[engine]`. */
export class EngineError extends Error {
  constructor(
    readonly engine: EngineName,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`[${engine}] ${message}`, options);
    this.name = 'EngineError';
  }
}

/** Wraps any failure of a driver call so the report says which engine failed and why. */
export async function named<T>(engine: EngineName, what: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (e) {
    if (e instanceof EngineError) throw e;
    const cause = e instanceof Error ? e.message.split('\n')[0] : String(e);
    throw new EngineError(engine, `${what} failed: ${cause}`, { cause: e });
  }
}

/** The expression that calls `fn(arg)` in a page: the same text for every driver. */
export function callExpression<A, R>(fn: PageFunction<A, R>, arg: A): string {
  return `(${fn.toString()})(${JSON.stringify(arg) ?? 'undefined'})`;
}
