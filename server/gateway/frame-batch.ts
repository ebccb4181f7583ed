import type { WebSocket } from 'ws';

/** The TCP socket under a WebSocket, corked so several messages leave in one write. */
export interface Corkable {
  cork(): void;
  uncork(): void;
}

/**
 * More frames than this in one event-loop turn go out at once, so the caller's buffered-bytes check
 * (the slow-reader limit) keeps seeing what it queued.
 */
const MAX_QUEUED = 256;

const dirty = new Set<FrameBatch>();
let scheduled = false;

function flushDirty(): void {
  scheduled = false;
  const batches = [...dirty];
  dirty.clear();
  for (const b of batches) b.flush();
}

/**
 * The frames one socket is sent within one event-loop turn, sent together when the turn ends
 * (docs/protocol.md, "Batches"): as one WebSocket message, a JSON array, to a client that opened
 * `/ws?batch=1`; otherwise as one message each, in one corked socket write. A turn of the
 * agent loop produces several frames at once (the ack and the stored message; a tool chip, the
 * reply's start and its text); a streaming model's deltas arrive in later turns and so still go out
 * one by one as they come. Order is exactly the order of `push`.
 */
export class FrameBatch {
  #queue: string[] = [];
  /** The client opened `/ws?batch=1`: several frames may travel as one array. */
  batch = false;

  constructor(
    private readonly socket: WebSocket,
    private readonly raw?: Corkable,
  ) {}

  /** Queues one serialized frame; it is sent when this event-loop turn ends. */
  push(json: string): void {
    const n = this.#queue.push(json);
    if (n === 1) {
      dirty.add(this);
      if (!scheduled) {
        scheduled = true;
        setImmediate(flushDirty);
      }
    } else if (n >= MAX_QUEUED) {
      this.flush();
    }
  }

  /** Sends what is queued now (before a close, or a send that bypasses the queue). */
  flush(): void {
    const queue = this.#queue;
    if (queue.length === 0) return;
    this.#queue = [];
    if (this.socket.readyState !== this.socket.OPEN) return;
    if (queue.length === 1) {
      this.socket.send(queue[0] as string);
    } else if (this.batch) {
      this.socket.send(`[${queue.join(',')}]`);
    } else {
      this.raw?.cork();
      try {
        for (const json of queue) this.socket.send(json);
      } finally {
        this.raw?.uncork();
      }
    }
  }
}
