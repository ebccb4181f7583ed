import type { WebSocket } from 'ws';

/**
 * Sends with backpressure, for bulk sends such as a resume's replay: below half the buffer limit
 * it just sends; above, it waits until this frame is flushed to the kernel. False when the reader
 * took nothing for `replayStallMs` (the caller closes it as a slow reader) or the socket closed.
 */
export function sendPaced(
  socket: WebSocket,
  data: string,
  limits: { maxBufferedBytes: number; replayStallMs: number },
): Promise<boolean> | boolean {
  if (socket.readyState !== socket.OPEN) return false;
  if (socket.bufferedAmount <= limits.maxBufferedBytes / 2) {
    socket.send(data);
    return true;
  }
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), limits.replayStallMs);
    timer.unref();
    socket.send(data, (err) => {
      clearTimeout(timer);
      resolve(!err);
    });
  });
}
