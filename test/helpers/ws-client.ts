import { WebSocket } from 'ws';
import type { ServerFrame } from '../../shared/protocol.js';
import { type SecretSource, visitorToken } from './tokens.js';

/**
 * A real WebSocket client that records every frame and can wait for one. A batch (an array, sent
 * only to a client that opened `/ws?batch=1`, docs/protocol.md) is recorded as its frames, in
 * order; `messages` keeps what each WebSocket message was, to count and check the batching.
 */
export class TestSocket {
  readonly frames: ServerFrame[] = [];
  /** Each WebSocket message received: a frame, or an array of frames (a batch). */
  readonly messages: (ServerFrame | ServerFrame[])[] = [];
  closed: { code: number; reason: string } | null = null;
  #waiters: { pred: (f: ServerFrame) => boolean; resolve: (f: ServerFrame) => void }[] = [];
  #closeWaiters: ((c: { code: number; reason: string }) => void)[] = [];

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      const message = JSON.parse(String(data)) as ServerFrame | ServerFrame[];
      this.messages.push(message);
      for (const frame of Array.isArray(message) ? message : [message]) {
        this.frames.push(frame);
        this.#waiters = this.#waiters.filter((w) => {
          if (!w.pred(frame)) return true;
          w.resolve(frame);
          return false;
        });
      }
    });
    ws.on('close', (code, reason) => {
      this.closed = { code, reason: String(reason) };
      for (const w of this.#closeWaiters) w(this.closed);
    });
  }

  static async open(
    baseUrl: string,
    opts: {
      origin?: string;
      site?: string;
      autoPong?: boolean;
      perMessageDeflate?: boolean;
      /** Ask for batches, as the widget does; or the raw query string to append (`batch=yes`). */
      batch?: boolean | string;
    } = {},
  ): Promise<TestSocket> {
    const batch = opts.batch === true ? '&batch=1' : typeof opts.batch === 'string' ? `&${opts.batch}` : '';
    const url = `${baseUrl.replace(/^http/, 'ws')}/ws?site=${opts.site ?? 'demo'}${batch}`;
    const ws = new WebSocket(url, {
      ...(opts.origin ? { origin: opts.origin } : {}),
      ...(opts.autoPong === false ? { autoPong: false } : {}),
      ...(opts.perMessageDeflate ? { perMessageDeflate: true } : {}),
    });
    const socket = new TestSocket(ws);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
      ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    });
    return socket;
  }

  send(frame: unknown): void {
    this.ws.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
  }

  /** The first frame (already received or arriving within the timeout) matching `pred`. */
  next<T extends ServerFrame['type']>(
    type: T,
    pred: (f: Extract<ServerFrame, { type: T }>) => boolean = () => true,
    timeoutMs = 5000,
    after = 0,
  ): Promise<Extract<ServerFrame, { type: T }>> {
    const match = (f: ServerFrame): f is Extract<ServerFrame, { type: T }> =>
      f.type === type && pred(f as Extract<ServerFrame, { type: T }>);
    const seen = this.frames.slice(after).find(match);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no ${type} frame within ${timeoutMs} ms`)), timeoutMs);
      this.#waiters.push({
        pred: (f) => match(f),
        resolve: (f) => {
          clearTimeout(timer);
          resolve(f as Extract<ServerFrame, { type: T }>);
        },
      });
    });
  }

  waitClose(timeoutMs = 7000): Promise<{ code: number; reason: string }> {
    if (this.closed) return Promise.resolve(this.closed);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('socket did not close')), timeoutMs);
      this.#closeWaiters.push((c) => {
        clearTimeout(timer);
        resolve(c);
      });
    });
  }

  close(): void {
    this.ws.close();
  }
}

/** Sends a message and resolves with the assistant reply that follows it. */
export async function ask(
  socket: TestSocket,
  text: string,
  clientId = `c_${Math.random().toString(36).slice(2, 12)}`,
) {
  const start = socket.frames.length;
  socket.send({ type: 'message', clientId, text });
  await socket.next('ack', (f) => f.clientId === clientId);
  return socket.next('message', (f) => f.role === 'assistant', 10_000, start);
}

/** A socket signed in as demo customer `sub` on `server`, past its welcome. */
export async function signIn(
  server: { url: string } & Exclude<SecretSource, string>,
  sub: string,
  opts: Parameters<typeof TestSocket.open>[1] = {},
): Promise<TestSocket> {
  const socket = await TestSocket.open(server.url, opts);
  socket.send({ type: 'hello', v: 1, site: 'demo', token: await visitorToken(server, sub) });
  await socket.next('welcome');
  return socket;
}
