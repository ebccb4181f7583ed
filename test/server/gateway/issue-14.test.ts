import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeDataDir, startServer, type TestServer } from '../../helpers/server.js';
import { describeStores } from '../../helpers/stores.js';
import { visitorToken } from '../../helpers/tokens.js';
import { ask, signIn, TestSocket } from '../../helpers/ws-client.js';

describeStores('issue 14', (kind) => {
  /** Regression tests of issue #14: no turn waits on the visitor, and failures are told right. */

  const phoneOf = async (server: TestServer, id: string) =>
    (
      await server.app.deputy.store.db
        .selectFrom('customers')
        .select('phone')
        .where('site_id', '=', 'demo')
        .where('id', '=', id)
        .executeTakeFirstOrThrow()
    ).phone;

  describe('a confirm card pending when the visitor writes again', () => {
    let server: TestServer;
    beforeAll(async () => {
      server = await startServer({ store: kind });
    });
    afterAll(async () => {
      await server.close();
      removeDataDir(server.dataDir);
    });

    it('is withdrawn (it can no longer be confirmed), nothing is written, and the new message is answered', async () => {
      const socket = await signIn(server, 'cus_alice');
      const before = await phoneOf(server, 'cus_alice');
      socket.send({ type: 'message', clientId: 'withdraw_1', text: 'change my phone to +44 20 7946 0111' });
      const card = await socket.next('confirm_request', () => true, 10_000);
      const start = socket.frames.length;
      const reply = await ask(socket, "What's the status of ticket T-1001?");
      expect(reply.text).toContain('T-1001');
      const result = await socket.next('confirm_result', (f) => f.confirmId === card.confirmId);
      expect(result.outcome).toBe('withdrawn');
      // Exactly one assistant message after the new question: its answer (no reply for the card).
      const assistant = socket.frames
        .slice(start)
        .filter((f) => f.type === 'message' && f.role === 'assistant');
      expect(assistant).toHaveLength(1);

      const late = socket.frames.length;
      socket.send({ type: 'confirm', confirmId: card.confirmId, accept: true });
      const refused = await socket.next('error', () => true, 5000, late);
      expect(refused.code).toBe('confirmation_unknown');
      expect(await phoneOf(server, 'cus_alice')).toBe(before);
      socket.close();
    });

    it('answers a question typed instead of a ticket description, and stores nothing as the description', async () => {
      const socket = await signIn(server, 'cus_bob');
      const subject = await ask(socket, 'I want to open a ticket');
      expect(subject.text).toMatch(/what is it about\?/i);
      const description = await ask(socket, 'Broken charger');
      expect(description.text).toMatch(/describe the problem/i);
      const start = socket.frames.length;
      const reply = await ask(socket, "actually, what's the status of ticket T-2001?");
      expect(reply.text).toContain('T-2001');
      expect(socket.frames.slice(start).some((f) => f.type === 'confirm_request')).toBe(false);
      socket.close();
    });
  });

  describe('a model budget spent in the middle of a turn', () => {
    let server: TestServer;
    beforeAll(async () => {
      server = await startServer({ store: kind, env: { DEPUTY_LIMIT_MODEL_CALLS_PER_MINUTE: '1' } });
    });
    afterAll(async () => {
      await server.close();
      removeDataDir(server.dataDir);
    });

    it('sends model_budget with its retry time, not an apology as a reply', async () => {
      const socket = await signIn(server, 'cus_alice');
      const start = socket.frames.length;
      socket.send({ type: 'message', clientId: 'budget_1', text: "What's the status of ticket T-1001?" });
      const error = await socket.next('error', () => true, 10_000, start);
      expect(error.code).toBe('model_budget');
      expect(error.retryAfterMs).toBeGreaterThan(0);
      const replies = socket.frames
        .slice(start)
        .filter((f) => f.type === 'message' && f.role === 'assistant');
      expect(replies).toHaveLength(0);
      socket.close();
    });
  });

  describe('a restart while a confirm card is pending', () => {
    it('withdraws the stale card and answers the stored message on the new process, with one live card', async () => {
      const env = { DEPUTY_LIMIT_DRAIN_TIMEOUT_MS: '300' };
      let server = await startServer({ store: kind, env });
      const { dataDir, port } = server;
      try {
        const token = await visitorToken(server, 'cus_alice');
        const first = await signIn(server, 'cus_alice');
        const welcome = await first.next('welcome');
        first.send({ type: 'message', clientId: 'restart_1', text: 'change my phone to +44 20 7946 0222' });
        const stale = await first.next('confirm_request', () => true, 10_000);
        await server.app.deputy.drain();
        expect((await first.next('confirm_result', (f) => f.confirmId === stale.confirmId)).outcome).toBe(
          'withdrawn',
        );
        await server.close();
        server = await startServer({ dataDir, port, env: { ...env, ...server.storeEnv } });

        const second = await TestSocket.open(server.url);
        second.send({
          type: 'hello',
          v: 1,
          site: 'demo',
          token,
          conversationId: welcome.conversationId,
          lastSeq: 0,
        });
        const again = await second.next('welcome');
        const fresh = await second.next('confirm_request', () => true, 10_000);
        expect(fresh.confirmId).not.toBe(stale.confirmId);
        expect(again.pendingConfirms ?? []).not.toContain(stale.confirmId);
        // A message sent while the card waits is answered too, and the card is withdrawn.
        const reply = await ask(second, 'show me my tickets');
        expect(reply.text).toMatch(/T-\d+/);
        second.close();
      } finally {
        await server.close();
        removeDataDir(dataDir);
      }
    });
  });

  describe('a refused connection', () => {
    let server: TestServer;
    beforeAll(async () => {
      server = await startServer({ store: kind });
    });
    afterAll(async () => {
      await server.close();
      removeDataDir(server.dataDir);
    });

    it('can be asked why before the upgrade: forbidden_origin in the visitor language, readable cross-origin', async () => {
      const res = await fetch(`${server.url}/ws/preflight?site=demo&locale=es`, {
        headers: { origin: 'https://evil.example' },
      });
      expect(res.status).toBe(403);
      expect(res.headers.get('access-control-allow-origin')).toBe('*');
      const body = (await res.json()) as { code: string; message: string };
      expect(body.code).toBe('forbidden_origin');
      expect(body.message).toMatch(/página/);
    });

    it('names an unknown site as unknown_site', async () => {
      const res = await fetch(`${server.url}/ws/preflight?site=nosuchsite&locale=de`);
      expect(res.status).toBe(404);
      expect(((await res.json()) as { code: string }).code).toBe('unknown_site');
    });

    it('answers ok for an allowed origin', async () => {
      const res = await fetch(`${server.url}/ws/preflight?site=demo`, { headers: { origin: server.url } });
      expect(res.status).toBe(200);
    });

    it('tells an expired token in the locale of the hello', async () => {
      const socket = await TestSocket.open(server.url);
      socket.send({ type: 'hello', v: 1, site: 'demo', token: 'not.a.token', locale: 'fr' });
      const error = await socket.next('error');
      expect(error.code).toBe('unauthorized');
      expect(error.message).toMatch(/session/i);
      expect(error.message).not.toMatch(/could not be verified/);
      expect((await socket.waitClose()).code).toBe(4401);
    });
  });
});
