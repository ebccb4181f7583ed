import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeDataDir, startServer, type TestServer } from '../../helpers/server.js';
import { describeStores } from '../../helpers/stores.js';
import { visitorToken } from '../../helpers/tokens.js';
import { ask, signIn, TestSocket } from '../../helpers/ws-client.js';

describeStores('bad input on the WebSocket', (kind) => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startServer({ store: kind });
  });
  afterAll(async () => {
    await server.close();
    removeDataDir(server.dataDir);
  });

  const signedIn = () => signIn(server, 'cus_alice');

  describe('bad input on the WebSocket', () => {
    it('answers malformed JSON with bad_json and keeps the connection (WS3)', async () => {
      const socket = await signedIn();
      socket.send('{"type":');
      await socket.next('error', (e) => e.code === 'bad_json');
      expect((await ask(socket, 'status of T-1001?')).text).toContain('open');
      socket.close();
    });

    it('answers a frame of the wrong shape with bad_frame (WS4)', async () => {
      const socket = await signedIn();
      socket.send({ type: 'message', clientId: 'abcdefgh1', text: { $gt: '' } });
      await socket.next('error', (e) => e.code === 'bad_frame');
      expect(socket.frames.some((f) => f.type === 'ack')).toBe(false);
      expect(socket.closed).toBeNull();
      socket.close();
    });

    it('refuses a text over 4,000 characters with text_too_long and keeps the socket', async () => {
      const socket = await signedIn();
      socket.send({ type: 'message', clientId: 'toolong_1', text: 'x'.repeat(4001) });
      const err = await socket.next('error', (e) => e.code === 'text_too_long');
      expect(err.clientId).toBe('toolong_1');
      expect((await ask(socket, 'hi')).text).toMatch(/^Hi/);
      socket.close();
    });

    it('closes with 1009 on a frame over 16 KB (WS1)', async () => {
      const socket = await signedIn();
      socket.send({ type: 'message', clientId: 'huge_frame', text: 'y'.repeat(20_000) });
      expect((await socket.waitClose()).code).toBe(1009);
    });

    it('refuses a binary frame with close 1003 (WS5)', async () => {
      const socket = await signedIn();
      socket.ws.send(Buffer.from([1, 2, 3]), { binary: true });
      expect((await socket.waitClose()).code).toBe(1003);
    });

    it('requires the hello first', async () => {
      const socket = await TestSocket.open(server.url);
      socket.send({ type: 'message', clientId: 'abcdefgh2', text: 'hi' });
      await socket.next('error', (e) => e.code === 'hello_required');
      socket.close();
    });

    it('closes 4401 for a forged token (A1, A3) and for an expired one (A4)', async () => {
      const none = `${Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url')}.${Buffer.from(
        JSON.stringify({ sub: 'cus_alice', iss: 'demo', aud: 'deputy', exp: 9999999999, iat: 1 }),
      ).toString('base64url')}.`;
      for (const token of [
        none,
        (await visitorToken(server, 'cus_alice')).replace(
          /\.[^.]+\./,
          `.${Buffer.from(JSON.stringify({ sub: 'cus_bob', iss: 'demo', aud: 'deputy', exp: 9999999999, iat: 1 })).toString('base64url')}.`,
        ),
      ]) {
        const socket = await TestSocket.open(server.url);
        socket.send({ type: 'hello', v: 1, site: 'demo', token });
        expect((await socket.waitClose()).code).toBe(4401);
        expect(socket.frames.some((f) => f.type === 'welcome')).toBe(false);
      }
      const expired = await visitorToken(server, 'cus_alice', { ttlSeconds: -600 });
      const socket = await TestSocket.open(server.url);
      socket.send({ type: 'hello', v: 1, site: 'demo', token: expired });
      await socket.next('error', (e) => e.code === 'token_expired');
      expect((await socket.waitClose()).code).toBe(4401);
    });

    it('rejects the upgrade from a foreign Origin with 403 (WS8)', async () => {
      await expect(TestSocket.open(server.url, { origin: 'https://evil.example' })).rejects.toThrow(
        'HTTP 403',
      );
    });

    it('closes 4401 when no hello arrives within 5 s (WS7)', async () => {
      const socket = await TestSocket.open(server.url);
      expect((await socket.waitClose(8000)).code).toBe(4401);
    }, 10_000);
  });
});
