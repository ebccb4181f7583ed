import { WebSocket } from 'ws';
import type { ServerFrame } from '../../../shared/protocol.js';

/**
 * A visitor's widget as far as durability goes: an outbox of messages keyed by client id, kept
 * until acknowledged and resent (in order) after every reconnect, resuming the same conversation.
 */
export class OutboxClient {
  readonly acked = new Map<string, { seq: number; duplicate: boolean }>();
  readonly outbox = new Map<string, string>();
  conversationId: string | null = null;
  lastSeq = 0;
  welcomes: { resumed: boolean; conversationId: string }[] = [];
  #ws: WebSocket | null = null;
  #ready = false;
  #sent = 0;
  #stopped = false;

  constructor(
    private readonly url: () => string,
    private readonly token: string,
    readonly name: string,
    private readonly planned: number,
  ) {}

  get connected(): boolean {
    return this.#ready;
  }

  /** Everything planned was sent and acknowledged. */
  get done(): boolean {
    return this.#sent === this.planned && this.outbox.size === 0;
  }

  stop(): void {
    this.#stopped = true;
    this.#ws?.close();
  }

  /** Keeps a socket open (reconnecting every `retryMs` while the server is down). */
  connect(retryMs = 100): void {
    if (this.#stopped) return;
    const ws = new WebSocket(`${this.url().replace(/^http/, 'ws')}/ws?site=demo`);
    this.#ws = ws;
    ws.on('open', () => {
      const hello: Record<string, unknown> = { type: 'hello', v: 1, site: 'demo', token: this.token };
      if (this.conversationId)
        Object.assign(hello, { conversationId: this.conversationId, lastSeq: this.lastSeq });
      ws.send(JSON.stringify(hello));
    });
    ws.on('message', (data) => this.#onFrame(JSON.parse(String(data)) as ServerFrame));
    ws.on('error', () => {});
    ws.on('close', () => {
      this.#ready = false;
      if (!this.#stopped) setTimeout(() => this.connect(retryMs), retryMs);
    });
  }

  #onFrame(frame: ServerFrame): void {
    if (frame.type === 'welcome') {
      this.welcomes.push({ resumed: frame.resumed, conversationId: frame.conversationId });
      this.conversationId = frame.conversationId;
      this.#ready = true;
      for (const [clientId, text] of this.outbox) this.#send(clientId, text);
    } else if (frame.type === 'ack') {
      this.outbox.delete(frame.clientId);
      if (!this.acked.has(frame.clientId))
        this.acked.set(frame.clientId, { seq: frame.seq, duplicate: frame.duplicate });
    } else if (frame.type === 'message') {
      this.lastSeq = Math.max(this.lastSeq, frame.seq);
    }
  }

  #send(clientId: string, text: string): void {
    if (this.#ready && this.#ws?.readyState === WebSocket.OPEN) {
      this.#ws.send(JSON.stringify({ type: 'message', clientId, text }));
    }
  }

  /** Queues the next planned message (sent now if connected, else after the next welcome). */
  sendNext(): boolean {
    if (this.#sent >= this.planned) return false;
    const clientId = `${this.name}_msg_${this.#sent}`;
    const text = `status of T-100${this.#sent % 3} please (${this.name} #${this.#sent})`;
    this.#sent++;
    this.outbox.set(clientId, text);
    this.#send(clientId, text);
    return true;
  }
}
