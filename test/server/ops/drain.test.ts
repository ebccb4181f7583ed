import { describe, expect, it } from 'vitest';
import { removeDataDir, startServer } from '../../helpers/server.js';
import { signIn, TestSocket } from '../../helpers/ws-client.js';

const signedIn = signIn;

/** A turn held in flight by a confirm card the visitor has not answered yet. */
async function turnInFlight(socket: TestSocket) {
  socket.send({ type: 'message', clientId: 'inflight_turn_1', text: 'change my phone to +44 20 7946 0123' });
  return socket.next('confirm_request');
}

describe('draining on SIGTERM', () => {
  it('stops accepting, lets the turn in flight finish, then closes sockets with 1012', async () => {
    const server = await startServer();
    try {
      const socket = await signedIn(server, 'cus_bob');
      const card = await turnInFlight(socket);
      const drained = server.app.deputy.drain();
      // Not ready, no new chats, and a new message is refused unstored (the outbox will resend it).
      expect((await fetch(`${server.url}/readyz`)).status).toBe(503);
      await expect(TestSocket.open(server.url)).rejects.toThrow('HTTP 503');
      socket.send({ type: 'message', clientId: 'during_drain_1', text: 'hello?' });
      expect(await socket.next('error', (e) => e.code === 'shutting_down')).toMatchObject({
        clientId: 'during_drain_1',
      });
      expect(socket.frames.some((f) => f.type === 'ack' && f.clientId === 'during_drain_1')).toBe(false);
      expect(socket.closed).toBeNull();
      // The visitor clicks; the turn completes and its reply is stored and delivered before the close.
      socket.send({ type: 'confirm', confirmId: card.confirmId, accept: true });
      const reply = await socket.next('message', (m) => m.role === 'assistant');
      expect(reply.text).toMatch(/\+44 ?20 ?7946 ?0123|updated|changed/i);
      expect(await drained).toEqual({ finished: true });
      expect((await socket.waitClose()).code).toBe(1012);
      const order = socket.frames.map((f) => f.type);
      expect(order.lastIndexOf('message')).toBeLessThan(order.lastIndexOf('error'));
    } finally {
      await server.close();
      removeDataDir(server.dataDir);
    }
  });

  it('gives up on turns still running at the drain deadline and closes anyway', async () => {
    const server = await startServer({ env: { DEPUTY_LIMIT_DRAIN_TIMEOUT_MS: '300' } });
    try {
      const socket = await signedIn(server, 'cus_alice');
      await turnInFlight(socket);
      const started = Date.now();
      expect(await server.app.deputy.drain()).toEqual({ finished: false });
      expect(Date.now() - started).toBeLessThan(3000);
      expect((await socket.waitClose()).code).toBe(1012);
    } finally {
      await server.close();
      removeDataDir(server.dataDir);
    }
  });
});
