import type { ClientFrame, HelloFrame, ServerFrame, ServerMessage } from '../../shared/protocol.js';

export type ConnState = 'connecting' | 'open' | 'reconnecting' | 'failed' | 'stopped';

export interface ConnectionOptions {
  url: string;
  /** Builds the hello frame for each new socket (token, conversation and lastSeq may have changed). */
  hello(): Promise<HelloFrame>;
  onFrame(frame: ServerFrame): void;
  /** `code` is the close code that caused the state, if any. */
  onState(state: ConnState, code?: number): void;
  /** Whether a 4401 should be retried once (a fresh token was fetched). */
  onAuthFailure?(): Promise<boolean>;
  /**
   * Why a socket that never opened was refused (a browser only says 1006): the server's
   * `{code, message}` when it refuses this page for good, else null (then it is retried).
   */
  probe?(): Promise<{ code: string; message: string } | null>;
  WebSocket?: typeof WebSocket;
  random?: () => number;
}

const BASE_DELAY_MS = 500;
const MAX_DELAY_MS = 30_000;
/**
 * A connection counts as healthy (the backoff starts over) only after this long: a server that
 * welcomes and then cuts us off at once (1013 slow reader, a restart loop) must not be retried in a
 * tight loop.
 */
const STABLE_MS = 10_000;
/** Close codes after which reconnecting cannot help: bad identity (4401) or site/origin (4403). */
const FATAL = new Set([4401, 4403]);

/** Exponential backoff with jitter (50–100 % of the step) so a restarted server isn't hit at once. */
export function backoffDelay(attempt: number, random: () => number = Math.random): number {
  const step = Math.min(MAX_DELAY_MS, BASE_DELAY_MS * 2 ** attempt);
  return Math.round(step * (0.5 + random() / 2));
}

/**
 * One WebSocket with reconnects. Reconnects with backoff after any close except 4401/4403 — 1012 (server
 * restarting), 1013 (cut off as a slow reader) and 1006 (which is what a browser reports for a refused
 * upgrade, such as 503 from a draining server) — and at once when the page comes back (`online`, a
 * bfcache `pageshow`, the tab becoming visible).
 */
export class Connection {
  private ws: WebSocket | null = null;
  private attempt = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private state: ConnState | 'idle' = 'idle';
  private authRetried = false;
  /** When the current socket was welcomed (null: not welcomed). */
  private welcomedAt: number | null = null;
  private readonly wake = (e: Event): void => {
    if (e.type === 'pageshow' && !(e as PageTransitionEvent).persisted) return;
    if (e.type === 'visibilitychange' && document.visibilityState !== 'visible') return;
    if (this.state === 'reconnecting' && !this.ws) {
      clearTimeout(this.timer);
      this.connect();
    }
  };

  constructor(private readonly opts: ConnectionOptions) {}

  get current(): ConnState | 'idle' {
    return this.state;
  }

  start(): void {
    if (this.state !== 'idle' && this.state !== 'stopped' && this.state !== 'failed') return;
    addEventListener('online', this.wake);
    addEventListener('pageshow', this.wake);
    document.addEventListener('visibilitychange', this.wake);
    this.attempt = 0;
    this.connect();
  }

  /** Sends a frame if the socket is open; false otherwise (the caller keeps it for later). */
  send(frame: ClientFrame): boolean {
    if (this.state !== 'open' || this.ws?.readyState !== 1) return false;
    this.ws.send(JSON.stringify(frame));
    return true;
  }

  /** Closes the current socket on purpose and opens a new one now (a new token, a new identity). */
  restart(): void {
    if (this.state === 'idle' || this.state === 'stopped') return;
    this.drop();
    this.attempt = 0;
    this.welcomedAt = null;
    this.connect();
  }

  stop(): void {
    this.drop();
    this.set('stopped');
    removeEventListener('online', this.wake);
    removeEventListener('pageshow', this.wake);
    document.removeEventListener('visibilitychange', this.wake);
  }

  /** Marks the connection usable after the server's welcome (the backoff resets once it has held). */
  welcomed(): void {
    this.welcomedAt = Date.now();
    this.authRetried = false;
    this.set('open');
  }

  private set(state: ConnState, code?: number): void {
    if (state === this.state) return;
    this.state = state;
    this.opts.onState(state, code);
  }

  private drop(): void {
    clearTimeout(this.timer);
    const ws = this.ws;
    this.ws = null;
    if (ws) {
      ws.onopen = ws.onmessage = ws.onclose = ws.onerror = null;
      ws.close(1000);
    }
  }

  private connect(): void {
    if (this.state !== 'reconnecting') this.set('connecting');
    const hello = this.opts.hello();
    const Impl = this.opts.WebSocket ?? WebSocket;
    let ws: WebSocket;
    try {
      ws = new Impl(this.opts.url);
    } catch {
      this.scheduleReconnect();
      return;
    }
    this.ws = ws;
    let opened = false;
    ws.onopen = () => {
      opened = true;
      hello.then(
        (frame) => ws === this.ws && ws.send(JSON.stringify(frame)),
        () => ws.close(4000),
      );
    };
    ws.onmessage = (ev: MessageEvent) => {
      if (ws !== this.ws || typeof ev.data !== 'string') return;
      let data: ServerMessage;
      try {
        data = JSON.parse(ev.data) as ServerMessage;
      } catch {
        return;
      }
      // A batch (the URL asked for it) is its frames in order; a frame that dropped this socket
      // ends it, as it would end the messages after it.
      for (const frame of Array.isArray(data) ? data : [data]) {
        if (ws !== this.ws) return;
        if (frame && typeof frame.type === 'string') this.opts.onFrame(frame);
      }
    };
    ws.onclose = (ev: CloseEvent) => {
      if (ws !== this.ws) return;
      this.ws = null;
      if (this.welcomedAt !== null && Date.now() - this.welcomedAt >= STABLE_MS) this.attempt = 0;
      this.welcomedAt = null;
      if (FATAL.has(ev.code)) {
        if (ev.code === 4401 && !this.authRetried && this.opts.onAuthFailure) {
          this.authRetried = true;
          this.set('reconnecting', ev.code);
          void this.opts.onAuthFailure().then((retry) => {
            if (this.state !== 'reconnecting') return;
            if (retry) this.connect();
            else this.set('failed', ev.code);
          });
          return;
        }
        this.set('failed', ev.code);
        return;
      }
      if (!opened && this.opts.probe) {
        this.set('reconnecting', ev.code);
        const retry = () => this.state === 'reconnecting' && !this.ws && this.scheduleReconnect(ev.code);
        this.opts.probe().then((refused) => {
          if (refused && this.state === 'reconnecting' && !this.ws) this.set('failed', 4403);
          else retry();
        }, retry);
        return;
      }
      this.scheduleReconnect(ev.code);
    };
  }

  private scheduleReconnect(code?: number): void {
    this.set('reconnecting', code);
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.connect(), backoffDelay(this.attempt++, this.opts.random));
  }
}
