import { WebSocket } from 'ws';

/**
 * One client socket with at most one round trip in flight (a closed loop, like a visitor who waits
 * for the answer before asking again). `done` says which inbound frame completes the round trip.
 */
export class LoopSocket {
  #pending: {
    done: (data: string) => boolean;
    resolve: (ms: number) => void;
    reject: (e: Error) => void;
    start: number;
  } | null = null;
  #timer: NodeJS.Timeout | undefined;
  received = 0;

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      this.received++;
      const p = this.#pending;
      if (!p) return;
      let ok: boolean;
      try {
        ok = p.done(String(data));
      } catch (err) {
        this.#settle();
        p.reject(err instanceof Error ? err : new Error(String(err)));
        return;
      }
      if (ok) {
        this.#settle();
        p.resolve(performance.now() - p.start);
      }
    });
    ws.on('close', () => {
      const p = this.#pending;
      this.#settle();
      p?.reject(new Error('socket closed'));
    });
    ws.on('error', () => {});
  }

  static open(url: string): Promise<LoopSocket> {
    const ws = new WebSocket(url, { perMessageDeflate: false });
    const socket = new LoopSocket(ws);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        ws.terminate();
        reject(new Error('connect timeout'));
      }, 10_000);
      ws.once('open', () => {
        clearTimeout(timer);
        resolve(socket);
      });
      ws.once('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
    });
  }

  /** Sends `payload` and resolves with the milliseconds until a frame satisfies `done`. */
  roundTrip(payload: string, done: (data: string) => boolean, timeoutMs = 30_000): Promise<number> {
    if (this.#pending) return Promise.reject(new Error('a round trip is already in flight'));
    return new Promise((resolve, reject) => {
      this.#pending = { done, resolve, reject, start: performance.now() };
      this.#timer = setTimeout(() => {
        this.#settle();
        reject(new Error(`no answer within ${timeoutMs} ms`));
      }, timeoutMs);
      this.ws.send(payload);
    });
  }

  #settle(): void {
    clearTimeout(this.#timer);
    this.#pending = null;
  }

  close(): void {
    this.ws.terminate();
  }
}

/** Opens `count` sockets, `parallel` at a time (a thundering herd of connects measures nothing useful). */
export async function openMany<T>(
  count: number,
  open: (i: number) => Promise<T>,
  parallel = 50,
): Promise<T[]> {
  const out: T[] = new Array(count);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(parallel, count) }, async () => {
      while (next < count) {
        const i = next++;
        out[i] = await open(i);
      }
    }),
  );
  return out;
}

export interface LoopResult {
  completed: number;
  errors: number;
  firstError: string | null;
  seconds: number;
  latenciesMs: number[];
}

/**
 * Every client runs `perClient` round trips back to back; all clients run at once. Bounded in
 * count (perClient) and in time (deadlineMs: clients stop starting new round trips after it).
 */
export async function closedLoop<C>(
  clients: readonly C[],
  perClient: number,
  deadlineMs: number,
  once: (client: C, i: number) => Promise<number>,
): Promise<LoopResult> {
  const latenciesMs: number[] = [];
  let errors = 0;
  let firstError: string | null = null;
  const start = performance.now();
  const stopAt = start + deadlineMs;
  await Promise.all(
    clients.map(async (client) => {
      for (let i = 0; i < perClient && performance.now() < stopAt; i++) {
        try {
          latenciesMs.push(await once(client, i));
        } catch (err) {
          errors++;
          firstError ??= err instanceof Error ? err.message : String(err);
        }
      }
    }),
  );
  return {
    completed: latenciesMs.length,
    errors,
    firstError,
    seconds: (performance.now() - start) / 1000,
    latenciesMs,
  };
}

/** Opens a plain WebSocket (a console, or a visitor driven frame by frame). */
export async function openSocket(url: string, headers: Record<string, string> = {}): Promise<WebSocket> {
  const ws = new WebSocket(url, { headers });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  return ws;
}

/** The next inbound JSON frame that `match` accepts. */
export function nextFrame(
  ws: WebSocket,
  match: (f: Record<string, unknown>) => boolean,
): Promise<Record<string, unknown>> {
  return new Promise((resolve) => {
    const on = (d: WebSocket.RawData) => {
      const f = JSON.parse(String(d)) as Record<string, unknown>;
      if (!match(f)) return;
      ws.off('message', on);
      resolve(f);
    };
    ws.on('message', on);
  });
}
