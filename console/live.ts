import type { ConsoleClientFrame, ConsoleServerFrame } from '../shared/console-protocol.js';
import { CONSOLE_BASE } from './api.js';

/**
 * The console's WebSocket: reconnects with backoff, and re-sends what this console views, so a
 * reconnect loses nothing (the app re-reads the list and the open conversation on every hello).
 */
export class Live {
  #ws: WebSocket | null = null;
  #stopped = false;
  #attempt = 0;
  #viewing: string | null = null;

  constructor(private readonly onFrame: (f: ConsoleServerFrame) => void) {}

  start(): void {
    if (this.#stopped) return;
    const ws = new WebSocket(
      `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}${CONSOLE_BASE}/ws`,
    );
    this.#ws = ws;
    ws.onopen = () => {
      this.#attempt = 0;
      if (this.#viewing) this.send({ type: 'view', conversationId: this.#viewing });
    };
    ws.onmessage = (e) => {
      try {
        this.onFrame(JSON.parse(String(e.data)) as ConsoleServerFrame);
      } catch {
        // A frame we cannot read is skipped; the next list refresh repairs the view.
      }
    };
    ws.onclose = () => {
      if (this.#stopped) return;
      const wait = Math.min(10_000, 300 * 2 ** this.#attempt++);
      setTimeout(() => this.start(), wait);
    };
  }

  send(frame: ConsoleClientFrame): void {
    if (frame.type === 'view') this.#viewing = frame.conversationId;
    if (this.#ws?.readyState === WebSocket.OPEN) this.#ws.send(JSON.stringify(frame));
  }

  stop(): void {
    this.#stopped = true;
    this.#ws?.close();
  }
}
