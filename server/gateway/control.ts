import type { WebSocket } from 'ws';
import type { ConversationHub } from './hub.js';

/** What the gateway needs to shut a socket down politely. */
export interface Closable {
  close(code: 'shutting_down'): void;
}

/**
 * Graceful shutdown (SIGTERM): stop accepting chats, let turns in flight finish (bounded), then
 * close every socket with 1012 so widgets reconnect to the next process. Turns still running at
 * the deadline are aborted; their visitor messages are stored, so the next process answers them.
 */
export class GatewayControl {
  readonly sessions = new Set<Closable>();
  readonly sockets = new Set<WebSocket>();
  readonly #abort = new AbortController();
  #draining = false;

  constructor(private readonly hub: ConversationHub) {}

  /** Aborted when a drain runs out of time: turns stop at their next await. */
  get signal(): AbortSignal {
    return this.#abort.signal;
  }

  get draining(): boolean {
    return this.#draining;
  }

  /** Resolves `finished: false` when turns were still running at the deadline (and were aborted). */
  async drain(timeoutMs: number): Promise<{ finished: boolean }> {
    this.#draining = true;
    let timer: NodeJS.Timeout | undefined;
    const finished = await Promise.race([
      this.hub.drain().then(() => true),
      new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(false), timeoutMs);
      }),
    ]);
    clearTimeout(timer);
    if (!finished) {
      // Cards still waiting are withdrawn before the sockets close, so the widget shows them as not
      // done (nothing written); the stored visitor message is answered by the next process.
      await this.hub.withdrawConfirms().catch(() => 0);
      this.#abort.abort(new Error('shutdown deadline'));
    }
    for (const session of [...this.sessions]) session.close('shutting_down');
    // Sockets still in their upgrade (no session yet) are closed the same way.
    for (const socket of this.sockets)
      if (socket.readyState === socket.OPEN) socket.close(1012, 'shutting_down');
    return { finished };
  }
}
