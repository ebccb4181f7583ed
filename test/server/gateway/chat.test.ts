import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeDataDir, startServer, type TestServer } from '../../helpers/server.js';
import { describeStores } from '../../helpers/stores.js';
import { visitorToken } from '../../helpers/tokens.js';
import { ask, signIn, TestSocket } from '../../helpers/ws-client.js';

describeStores('gateway chat', (kind) => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startServer({ store: kind });
  });
  afterAll(async () => {
    await server.close();
    removeDataDir(server.dataDir);
  });

  const signedIn = (sub: string) => signIn(server, sub);

  describe('chat over a real WebSocket', () => {
    it("answers Alice's question about T-1001 with its status, through the MCP server", async () => {
      const socket = await signedIn('cus_alice');
      const reply = await ask(socket, "What's the status of ticket T-1001?");
      expect(reply.text).toContain('T-1001');
      expect(reply.text).toContain('open');
      expect(reply.text).toContain('Order #5512 arrived damaged');
      const chip = socket.frames.find((f) => f.type === 'tool');
      expect(chip).toMatchObject({
        name: 'get_ticket_status',
        label: 'Looking up ticket T-1001…',
        status: 'running',
      });
      const done = socket.frames.find((f) => f.type === 'tool' && f.status === 'done');
      expect(done).toMatchObject({ label: 'Looked up ticket T-1001' });
      socket.close();
    });

    it("does not reveal Alice's ticket to Bob", async () => {
      const socket = await signedIn('cus_bob');
      const reply = await ask(socket, 'where is my ticket 1001');
      expect(reply.text).not.toContain('Order #5512');
      expect(reply.text).not.toMatch(/\bopen\b/);
      expect(reply.text).toMatch(/couldn't find/);
      socket.close();
    });

    it('tells a visitor the email and phone on file', async () => {
      const socket = await signedIn('cus_bob');
      const reply = await ask(socket, 'What email and phone do you have for me?');
      expect(reply.text).toContain('bob@example.com');
      expect(reply.text).toContain('+44 20 7946 0958');
      socket.close();
    });

    it('greets by first name and falls back to help', async () => {
      const socket = await signedIn('cus_alice');
      expect((await ask(socket, 'Hello!')).text).toMatch(/^Hi Alice!/);
      expect((await ask(socket, 'Can you book me a flight?')).text).toContain('status of your tickets');
      socket.close();
    });

    it('streams the reply and stores it before marking it complete', async () => {
      const socket = await signedIn('cus_alice');
      const start = socket.frames.length;
      const reply = await ask(socket, 'status of T-1002?');
      const frames = socket.frames.slice(start);
      const startIdx = frames.findIndex((f) => f.type === 'reply_start');
      const deltas = frames.filter((f) => f.type === 'delta');
      expect(startIdx).toBeGreaterThanOrEqual(0);
      expect(deltas.map((d) => (d.type === 'delta' ? d.text : '')).join('')).toBe(reply.text);
      expect(reply.text).toContain('solved');
      socket.close();
    });

    it('resumes a conversation by sequence number after a reconnect', async () => {
      const first = await signedIn('cus_alice');
      await ask(first, 'status of T-1001?');
      const welcome = first.frames.find((f) => f.type === 'welcome');
      first.close();
      const token = await visitorToken(server, 'cus_alice');
      const second = await TestSocket.open(server.url);
      second.send({
        type: 'hello',
        v: 1,
        site: 'demo',
        token,
        conversationId: welcome?.type === 'welcome' ? welcome.conversationId : '',
        lastSeq: 1,
      });
      const w2 = await second.next('welcome');
      expect(w2.resumed).toBe(true);
      await second.next('message', (m) => m.role === 'assistant' && m.seq === 2);
      expect(
        second.frames.filter((f) => f.type === 'message').map((f) => (f.type === 'message' ? f.seq : 0)),
      ).toEqual([2]);
      second.close();
    });

    it("never resumes another customer's conversation", async () => {
      const alice = await signedIn('cus_alice');
      await ask(alice, 'status of T-1001?');
      const welcome = alice.frames.find((f) => f.type === 'welcome');
      alice.close();
      const bob = await TestSocket.open(server.url);
      const conversationId = welcome?.type === 'welcome' ? welcome.conversationId : '';
      bob.send({
        type: 'hello',
        v: 1,
        site: 'demo',
        token: await visitorToken(server, 'cus_bob'),
        conversationId,
      });
      await bob.next('error', (e) => e.code === 'conversation_not_found');
      const w = await bob.next('welcome');
      expect(w.conversationId).not.toBe(conversationId);
      expect(bob.frames.some((f) => f.type === 'message')).toBe(false);
      bob.close();
    });

    it('processes a resent client message id once (W3)', async () => {
      const socket = await signedIn('cus_alice');
      await ask(socket, 'hello', 'dup_client_id_1');
      socket.send({ type: 'message', clientId: 'dup_client_id_1', text: 'hello' });
      const ack = await socket.next('ack', (a) => a.duplicate);
      expect(ack.clientId).toBe('dup_client_id_1');
      await new Promise((r) => setTimeout(r, 200));
      expect(socket.frames.filter((f) => f.type === 'message' && f.role === 'visitor')).toHaveLength(1);
      socket.close();
    });
  });
});
