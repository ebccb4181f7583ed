/**
 * A minimal W3C WebDriver client over HTTP on loopback: just the commands the seam needs. Errors
 * carry the engine's name, the command and the driver's own error code and message.
 */
import { EngineError, type EngineName } from './types.js';

/** The W3C key for an element reference in a response. */
export const ELEMENT_KEY = 'element-6066-11e4-a52e-4f735466cecf';

/** W3C code points for the non-printing keys the cases press. */
export const KEYS: Record<string, string> = {
  Enter: '\uE007',
  Tab: '\uE004',
  Escape: '\uE00C',
  Shift: '\uE008',
  Backspace: '\uE003',
  ArrowUp: '\uE013',
  ArrowDown: '\uE015',
  Space: ' ',
};

export interface WebDriverClient {
  /** One command; resolves with the response's `value`. */
  send(method: 'GET' | 'POST' | 'DELETE', path: string, body?: unknown, timeoutMs?: number): Promise<unknown>;
}

/** A client for the driver listening at `base` (e.g. http://127.0.0.1:4444). */
export function webDriverClient(engine: EngineName, base: string): WebDriverClient {
  return {
    async send(method, path, body, timeoutMs = 60_000) {
      let res: Response;
      try {
        res = await fetch(`${base}${path}`, {
          method,
          headers: body === undefined ? {} : { 'content-type': 'application/json' },
          body: body === undefined ? null : JSON.stringify(body),
          signal: AbortSignal.timeout(timeoutMs),
        });
      } catch (e) {
        const cause =
          e instanceof Error ? (e.cause instanceof Error ? e.cause.message : e.message) : String(e);
        throw new EngineError(engine, `${method} ${path}: the WebDriver server is not reachable (${cause})`);
      }
      const text = await res.text();
      let value: unknown;
      try {
        value = (JSON.parse(text) as { value?: unknown }).value;
      } catch {
        throw new EngineError(
          engine,
          `${method} ${path}: HTTP ${res.status}, not JSON: ${text.slice(0, 200)}`,
        );
      }
      if (!res.ok) {
        const err = (value ?? {}) as { error?: string; message?: string };
        throw new EngineError(
          engine,
          `${method} ${path}: ${err.error ?? res.status}: ${err.message ?? ''}`.trim(),
        );
      }
      return value;
    },
  };
}

/** A key action sequence typing `text` and then releasing every key (W3C Perform Actions). */
export function keyActions(keys: string[]): unknown {
  const down = keys.map((value) => ({ type: 'keyDown', value }));
  const up = keys
    .slice()
    .reverse()
    .map((value) => ({ type: 'keyUp', value }));
  return { actions: [{ type: 'key', id: 'keyboard', actions: [...down, ...up] }] };
}

/** Each character of `text` pressed and released in turn (surrogate pairs kept whole). */
export function typingActions(text: string): unknown {
  const actions = [...text].flatMap((value) => [
    { type: 'keyDown', value },
    { type: 'keyUp', value },
  ]);
  return { actions: [{ type: 'key', id: 'keyboard', actions }] };
}

/** A left-button press and release at viewport coordinates (W3C pointer actions). */
export function pointerClick(x: number, y: number): unknown {
  return {
    actions: [
      {
        type: 'pointer',
        id: 'mouse',
        parameters: { pointerType: 'mouse' },
        actions: [
          { type: 'pointerMove', x, y, origin: 'viewport', duration: 0 },
          { type: 'pointerDown', button: 0 },
          { type: 'pointerUp', button: 0 },
        ],
      },
    ],
  };
}
