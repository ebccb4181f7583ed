import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeDataDir, startServer, type TestServer } from '../../helpers/server.js';
import { describeStores } from '../../helpers/stores.js';
import { visitorToken } from '../../helpers/tokens.js';
import { ask, signIn, TestSocket } from '../../helpers/ws-client.js';

describeStores('WebSocket abuse limits', (kind) => {
  // Tight limits so each abuse case trips within a test's time; the defaults are documented in
  // docs/operations.md and exercised by the other gateway tests.
  let server: TestServer;

  beforeAll(async () => {
    server = await startServer({
      store: kind,
      env: {
        DEPUTY_LIMIT_CONNECTIONS_PER_IP: '12',
        DEPUTY_LIMIT_CONNECTIONS_PER_VISITOR: '3',
        DEPUTY_LIMIT_HEARTBEAT_MS: '300',
        DEPUTY_LIMIT_MESSAGES_PER_MINUTE: '4',
      },
    });
  });
  afterAll(async () => {
    await server.close();
    removeDataDir(server.dataDir);
  });

  const signedIn = (sub: string, opts: { autoPong?: boolean } = {}) => signIn(server, sub, opts);

  async function anonymous(): Promise<TestSocket> {
    const socket = await TestSocket.open(server.url);
    socket.send({ type: 'hello', v: 1, site: 'demo' });
    await socket.next('welcome');
    return socket;
  }

  describe('WebSocket abuse', () => {
    it('throttles a flood of messages, then closes it with 1008 abuse, capping what reaches the model (WS2)', async () => {
      const socket = await anonymous();
      // 200 valid messages as fast as the socket takes them: far beyond every budget.
      for (let i = 0; i < 200 && !socket.closed; i++) {
        socket.send({ type: 'message', clientId: `flood_${i}_xx`, text: `hello ${i}` });
      }
      const closed = await socket.waitClose();
      expect(closed.code).toBe(1008);
      expect(socket.frames.some((f) => f.type === 'error' && f.code === 'abuse')).toBe(true);
      expect(socket.frames.some((f) => f.type === 'error' && f.code === 'rate_limited')).toBe(true);
      // Only the 4 messages of the minute's budget were stored, so at most 4 turns ran.
      expect(socket.frames.filter((f) => f.type === 'ack').length).toBeLessThanOrEqual(4);
    });

    it('closes a socket sending a stream of invalid frames with 1008 abuse', async () => {
      const socket = await anonymous();
      for (let i = 0; i < 100 && !socket.closed; i++) socket.send('{"type":"noop"}');
      expect((await socket.waitClose()).code).toBe(1008);
      const errors = socket.frames.filter((f) => f.type === 'error');
      expect(errors.at(-1)).toMatchObject({ code: 'abuse' });
      expect(errors.filter((e) => e.type === 'error' && e.code === 'bad_frame').length).toBeLessThan(20);
    });

    it('counts malformed frames toward the abuse budget but keeps a socket that errs now and then (WS3)', async () => {
      const socket = await signedIn('cus_alice');
      for (let i = 0; i < 5; i++) socket.send('{"type":');
      await socket.next('error', (e) => e.code === 'bad_json');
      expect((await ask(socket, 'status of T-1001?')).text).toContain('T-1001');
      expect(socket.closed).toBeNull();
      for (let i = 0; i < 30 && !socket.closed; i++) socket.send('not json');
      expect((await socket.waitClose()).code).toBe(1008);
    });

    it('refuses connections beyond the per-visitor cap with 1008, and frees the slot on close (WS9)', async () => {
      const open = [await signedIn('cus_bob'), await signedIn('cus_bob'), await signedIn('cus_bob')];
      const extra = await TestSocket.open(server.url);
      extra.send({ type: 'hello', v: 1, site: 'demo', token: await visitorToken(server, 'cus_bob') });
      expect((await extra.waitClose()).code).toBe(1008);
      expect(extra.frames).toContainEqual(
        expect.objectContaining({ type: 'error', code: 'too_many_connections' }),
      );
      expect(extra.frames.some((f) => f.type === 'welcome')).toBe(false);
      open[0]?.close();
      await open[0]?.waitClose();
      await new Promise((r) => setTimeout(r, 50));
      const again = await signedIn('cus_bob');
      expect(again.closed).toBeNull();
      for (const s of [...open, again]) s.close();
    });

    it('refuses sockets beyond the per-address cap before the upgrade, with 429 (WS9)', async () => {
      const sockets: TestSocket[] = [];
      for (let i = 0; i < 12; i++) sockets.push(await TestSocket.open(server.url));
      await expect(TestSocket.open(server.url)).rejects.toThrow('HTTP 429');
      const refusals = await server.app.deputy.metrics.registry.getSingleMetricAsString(
        'deputy_ws_connections_refused_total',
      );
      expect(refusals).toMatch(/reason="per_ip"} [1-9]/);
      for (const s of sockets) s.close();
      await Promise.all(sockets.map((s) => s.waitClose()));
      await new Promise((r) => setTimeout(r, 50));
      const later = await anonymous();
      expect(later.closed).toBeNull();
      later.close();
    });

    it('terminates a client that stops answering pings (WS11)', async () => {
      const silent = await signedIn('cus_alice', { autoPong: false });
      const healthy = await signedIn('cus_alice');
      const closed = await silent.waitClose(3000);
      // Terminated, not closed politely: the client sees an abnormal closure.
      expect(closed.code).toBe(1006);
      expect(healthy.closed).toBeNull();
      expect((await ask(healthy, 'hello')).text).toMatch(/Alice/);
      healthy.close();
    });

    it('does not negotiate permessage-deflate, so a zip bomb cannot inflate (WS10)', async () => {
      const socket = await TestSocket.open(server.url, { perMessageDeflate: true });
      expect(socket.ws.extensions).toBe('');
      socket.close();
    });

    it('answers a visitor over the message budget with rate_limited and a retry time, storing nothing', async () => {
      const socket = await anonymous();
      const acks: string[] = [];
      for (let i = 0; i < 4; i++) {
        const reply = await ask(socket, 'hello', `budget_ok_${i}`);
        expect(reply.role).toBe('assistant');
        acks.push(`budget_ok_${i}`);
      }
      socket.send({ type: 'message', clientId: 'budget_over', text: 'one more' });
      const err = await socket.next('error', (e) => e.code === 'rate_limited');
      expect(err.clientId).toBe('budget_over');
      expect(err.retryAfterMs).toBeGreaterThan(0);
      expect(socket.frames.some((f) => f.type === 'ack' && f.clientId === 'budget_over')).toBe(false);
      // Another visitor is not affected by this one's budget.
      const other = await anonymous();
      expect((await ask(other, 'hello')).role).toBe('assistant');
      socket.close();
      other.close();
    });
  });
});
