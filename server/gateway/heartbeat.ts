import type { WebSocket } from 'ws';

/**
 * Pings every socket each interval; a socket that has not answered the previous ping by the next
 * tick is dead (a vanished network, a client that stopped answering: WS11) and is terminated, which
 * fires its close handler and frees its session.
 */
export class Heartbeat {
  readonly #alive = new Map<WebSocket, boolean>();
  readonly #timer: NodeJS.Timeout;

  constructor(intervalMs: number) {
    this.#timer = setInterval(() => this.#tick(), intervalMs);
    this.#timer.unref();
  }

  watch(socket: WebSocket): void {
    this.#alive.set(socket, true);
    socket.on('pong', () => this.#alive.set(socket, true));
    socket.once('close', () => this.#alive.delete(socket));
  }

  #tick(): void {
    for (const [socket, alive] of this.#alive) {
      if (!alive) {
        this.#alive.delete(socket);
        socket.terminate();
        continue;
      }
      this.#alive.set(socket, false);
      try {
        socket.ping();
      } catch {
        socket.terminate();
      }
    }
  }

  stop(): void {
    clearInterval(this.#timer);
  }
}
