import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { removeDataDir, startServer, type TestServer } from '../../helpers/server.js';
import { describeStores } from '../../helpers/stores.js';
import { visitorToken } from '../../helpers/tokens.js';
import { signIn } from '../../helpers/ws-client.js';
import { addOperator, consoleSignIn, consoleSocket, SAM, until } from './support.js';

describeStores('console security', (kind) => {
  let server: TestServer;
  let conversationId: string;
  beforeAll(async () => {
    server = await startServer({ store: kind });
    const alice = await signIn(server, 'cus_alice');
    conversationId = (alice.frames.find((f) => f.type === 'welcome') as { conversationId: string })
      .conversationId;
    alice.send({ type: 'message', clientId: 'c_sec_000001', text: 'I need a human' });
    await alice.next('message', (f) => f.role === 'status');
    alice.close();
  });
  afterAll(async () => {
    await server.close();
    removeDataDir(server.dataDir);
  });

  const db = () => server.app.deputy.store.db;
  /** Everything an attack could change, hashed before and after. */
  async function snapshot() {
    const rows = await Promise.all([
      db().selectFrom('conversations').selectAll().orderBy('id').execute(),
      db().selectFrom('messages').selectAll().orderBy('id').execute(),
      db().selectFrom('conversation_notes').selectAll().orderBy('id').execute(),
    ]);
    return createHash('sha256').update(JSON.stringify(rows)).digest('hex');
  }
  const post = (path: string, headers: Record<string, string>, body?: unknown) =>
    fetch(`${server.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body ?? {}),
    });

  describe('console security (docs/threat-model.md C1–C6, T4)', () => {
    it('answers 401 without a session, with a forged cookie, or with a visitor token (C3)', async () => {
      const token = await visitorToken(server, 'cus_alice');
      for (const headers of [
        {},
        { cookie: 'deputy_console=forged-value' },
        { authorization: `Bearer ${token}` },
      ] as Record<string, string>[]) {
        const res = await fetch(`${server.url}/console/api/conversations`, { headers });
        expect(res.status).toBe(401);
        expect(await res.json()).toMatchObject({ code: 'console_unauthorized' });
      }
    });

    it('sets an HttpOnly SameSite=Strict cookie scoped to /console with an expiry', async () => {
      const res = await fetch(`${server.url}/console/api/sign-in`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(SAM),
      });
      const cookie = res.headers.get('set-cookie') ?? '';
      expect(cookie).toMatch(/HttpOnly/);
      expect(cookie).toMatch(/SameSite=Strict/);
      expect(cookie).toMatch(/Path=\/console/);
      expect(cookie).toMatch(/Max-Age=\d+/);
    });

    it('refuses state changes without the CSRF token or from another origin, and changes nothing (C1)', async () => {
      const sam = await consoleSignIn(server);
      const before = await snapshot();
      const path = `/console/api/conversations/${conversationId}/take-over`;
      const noToken = await post(path, { cookie: sam.cookie, origin: server.url });
      const wrongToken = await post(path, { cookie: sam.cookie, 'x-csrf-token': 'x'.repeat(32) });
      const foreign = await sam.call('POST', path, undefined, { origin: 'https://evil.example' });
      for (const res of [noToken, wrongToken, foreign]) {
        expect(res.status).toBe(403);
        expect((await res.json()).code).toBe('console_csrf');
      }
      const signInForeign = await post('/console/api/sign-in', { origin: 'https://evil.example' }, SAM);
      expect(signInForeign.status).toBe(403);
      expect(await snapshot()).toBe(before);
    });

    it('answers 400 to malformed or oversized bodies, and changes nothing', async () => {
      const sam = await consoleSignIn(server);
      const before = await snapshot();
      const path = `/console/api/conversations/${conversationId}/messages`;
      for (const body of [
        {},
        { text: '' },
        { text: 'x'.repeat(4001) },
        { text: 'hi', extra: 1 },
        { text: 5 },
      ]) {
        const res = await sam.call('POST', path, body);
        expect(res.status).toBe(400);
        expect((await res.json()).code).toBe('console_bad_request');
      }
      const bad = await post('/console/api/sign-in', {}, { email: ['x'], password: null });
      expect(bad.status).toBe(400);
      expect(await snapshot()).toBe(before);
    });

    it("hides another site's conversations: 404, as for one that does not exist (T4)", async () => {
      await addOperator(server, 'other', 'lee@elsewhere.example', 'Lee');
      const lee = await consoleSignIn(server, {
        email: 'lee@elsewhere.example',
        password: 'correct-horse-battery',
      });
      const before = await snapshot();
      for (const [method, path] of [
        ['GET', `/console/api/conversations/${conversationId}`],
        ['GET', `/console/api/conversations/${conversationId}/customer`],
        ['POST', `/console/api/conversations/${conversationId}/take-over`],
        ['POST', '/console/api/conversations/conv_doesnotexist1/take-over'],
      ] as const) {
        const res = await lee.call(method, path);
        expect(res.status).toBe(404);
      }
      const list = (await (await lee.call('GET', '/console/api/conversations')).json()) as {
        conversations: unknown[];
      };
      expect(list.conversations).toEqual([]);
      expect(await snapshot()).toBe(before);
    });

    it('rate limits sign-in per account, with the same answer for unknown emails (C2)', async () => {
      await addOperator(server, 'demo', 'pat@northwind.example', 'Pat');
      const attempt = (email: string) =>
        post('/console/api/sign-in', {}, { email, password: 'wrong-password-123' });
      const unknown = await attempt('nobody@northwind.example');
      expect(unknown.status).toBe(401);
      expect((await unknown.json()).code).toBe('signin_failed');
      const codes: number[] = [];
      for (let i = 0; i < 7; i++) codes.push((await attempt('pat@northwind.example')).status);
      expect(codes.slice(0, 5)).toEqual([401, 401, 401, 401, 401]);
      expect(codes.slice(5)).toEqual([429, 429]);
      // Even the right password waits out the window: the limit is per account, not per guess.
      const right = await post(
        '/console/api/sign-in',
        {},
        { email: 'pat@northwind.example', password: 'correct-horse-battery' },
      );
      expect(right.status).toBe(429);
      expect(right.headers.get('retry-after')).toMatch(/^\d+$/);
    });

    it('ends the session on sign-out: the cookie answers 401 and the console socket closes (C6)', async () => {
      const sam = await consoleSignIn(server);
      const live = await consoleSocket(server, sam);
      await live.next((f) => f.type === 'hello');
      const closed = new Promise<number>((r) => live.ws.once('close', (code) => r(code)));
      expect((await sam.call('POST', '/console/api/sign-out')).status).toBe(200);
      expect(await closed).toBe(4401);
      expect((await sam.call('GET', '/console/api/me')).status).toBe(401);
    });

    it('refuses an expired session and deletes it', async () => {
      const sam = await consoleSignIn(server);
      await db()
        .updateTable('operator_sessions')
        .set({ expires_at: Date.now() - 1 })
        .execute();
      expect((await sam.call('GET', '/console/api/me')).status).toBe(401);
      const token = sam.cookie.split('=')[1] ?? '';
      const idHash = createHash('sha256').update(token).digest('base64url');
      expect(
        await db().selectFrom('operator_sessions').where('id_hash', '=', idHash).selectAll().execute(),
      ).toEqual([]);
    });

    it('checks the session and the Origin before the console WebSocket upgrade (C1, C3)', async () => {
      const sam = await consoleSignIn(server);
      const status = (headers: Record<string, string>) =>
        new Promise<number>((resolve) => {
          const ws = new WebSocket(`${server.url.replace('http', 'ws')}/console/ws`, { headers });
          ws.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
          ws.once('open', () => {
            ws.close();
            resolve(101);
          });
          ws.once('error', () => {});
        });
      expect(await status({ origin: server.url })).toBe(401);
      expect(await status({ cookie: sam.cookie, origin: 'https://evil.example' })).toBe(403);
      expect(await status({ cookie: sam.cookie })).toBe(403);
      expect(await status({ cookie: sam.cookie, origin: server.url })).toBe(101);
    });

    it('survives malformed, binary and oversized console frames', async () => {
      const sam = await consoleSignIn(server);
      const live = await consoleSocket(server, sam);
      await live.next((f) => f.type === 'hello');
      live.ws.send('{"type":');
      live.ws.send(JSON.stringify({ type: 'view', conversationId: 'conv_x"; drop' }));
      live.ws.send(Buffer.from([1, 2, 3]), { binary: true });
      await until(async () => live.frames.filter((f) => f.type === 'error').length >= 3);
      const closed = new Promise<number>((r) => live.ws.once('close', (code) => r(code)));
      live.ws.send('x'.repeat(8192));
      expect(await closed).toBe(1009);
      expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    });

    it('gives the operator cookie no authority at /ws or /mcp (C3)', async () => {
      const sam = await consoleSignIn(server);
      const mcp = await fetch(`${server.url}/mcp`, {
        method: 'POST',
        headers: {
          cookie: sam.cookie,
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
        },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
      });
      expect(mcp.status).toBe(401);
      const ws = new WebSocket(`${server.url.replace('http', 'ws')}/ws?site=demo`, {
        headers: { cookie: sam.cookie },
      });
      const first = new Promise<{ type: string; visitor?: unknown }>((r) =>
        ws.once('message', (d) => r(JSON.parse(String(d)))),
      );
      await new Promise((r) => ws.once('open', r));
      ws.send(JSON.stringify({ type: 'hello', v: 1, site: 'demo' }));
      // The cookie is not even sent there (Path=/console); sent anyway, it makes an anonymous visitor.
      expect(await first).toMatchObject({ type: 'welcome', visitor: { name: null, anonymous: true } });
      ws.close();
    });

    it('keeps private notes out of the messages the widget and the model read (C5)', async () => {
      const sam = await consoleSignIn(server);
      await sam.call('POST', `/console/api/conversations/${conversationId}/messages`, {
        text: 'secret note 4242',
        private: true,
      });
      const leaked = await db()
        .selectFrom('messages')
        .select('id')
        .where('text', 'like', '%secret note 4242%')
        .execute();
      expect(leaked).toEqual([]);
      const notes = await db()
        .selectFrom('conversation_notes')
        .select('text')
        .where('text', '=', 'secret note 4242')
        .execute();
      expect(notes).toHaveLength(1);
    });
  });
});
