// Withdrawing confirm cards when the visitor writes instead of clicking (issue #14), made only when
// a card can be waiting (docs/scaling.md, "Confirm cards"): a card a turn on this node asks or waits
// on, or one a previous process left behind, is withdrawn; a message with neither costs no
// statement. Cards of turns on other nodes: test/server/gateway/multi-node.test.ts.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { removeDataDir, startServer, type TestServer } from '../../helpers/server.js';
import { describeStores } from '../../helpers/stores.js';
import { visitorToken } from '../../helpers/tokens.js';
import { ask, TestSocket } from '../../helpers/ws-client.js';

describeStores('withdrawing confirm cards', (kind) => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startServer({ store: kind });
  });
  afterAll(async () => {
    await server.close();
    removeDataDir(server.dataDir);
  });

  describe('a card left waiting by a previous process', () => {
    it('is withdrawn when the visitor writes, though no turn waits on it', async () => {
      const token = await visitorToken(server, 'cus_alice');
      const first = await TestSocket.open(server.url);
      first.send({ type: 'hello', v: 1, site: 'demo', token });
      const welcome = await first.next('welcome');
      first.close();
      // What a process killed while its turn waited leaves behind (no drain withdrew it).
      const db = server.app.deputy.store.db;
      await db
        .insertInto('pending_confirms')
        .values({
          id: 'cf_left_00001',
          conversation_id: welcome.conversationId,
          for_seq: 0,
          tool: 'update_phone_number',
          args: '{"phone":"+442079460111"}',
          summary: 'Change your phone number to +44 20 7946 0111',
          state: 'x',
          expires_at: new Date(Date.now() + 5 * 60_000).toISOString(),
          status: 'pending',
          result: null,
          node: 'n_gone',
          created_at: new Date().toISOString(),
          settled_at: null,
        })
        .execute();
      const second = await TestSocket.open(server.url);
      second.send({
        type: 'hello',
        v: 1,
        site: 'demo',
        token,
        conversationId: welcome.conversationId,
        lastSeq: 0,
      });
      expect((await second.next('welcome')).pendingConfirms).toEqual(['cf_left_00001']);
      await second.next('confirm_request', (c) => c.confirmId === 'cf_left_00001');
      const reply = await ask(second, "What's the status of ticket T-1001?");
      expect(reply.text).toMatch(/T-1001/);
      expect((await second.next('confirm_result', (r) => r.confirmId === 'cf_left_00001')).outcome).toBe(
        'withdrawn',
      );
      const row = await db
        .selectFrom('pending_confirms')
        .select('status')
        .where('id', '=', 'cf_left_00001')
        .executeTakeFirst();
      expect(row?.status).toBe('withdrawn');
      second.close();
    });
  });

  describe('a card a turn waits on', () => {
    it('is withdrawn by the next message; a message with no card waiting withdraws nothing', async () => {
      const withdraw = vi.spyOn(server.app.deputy.hub.confirms, 'withdraw');
      try {
        const token = await visitorToken(server, 'cus_bob');
        const socket = await TestSocket.open(server.url);
        socket.send({ type: 'hello', v: 1, site: 'demo', token });
        await socket.next('welcome');
        await ask(socket, "What's the status of ticket T-1003?");
        await ask(socket, "What's the status of ticket T-1003?");
        // No card anywhere: no withdraw statement on the message's path.
        expect(withdraw).not.toHaveBeenCalled();
        socket.send({
          type: 'message',
          clientId: 'cw_phone_0001',
          text: 'change my phone to +44 20 7946 0333',
        });
        const card = await socket.next('confirm_request', () => true, 10_000);
        const reply = await ask(socket, 'show me my tickets');
        expect(reply.text).toMatch(/T-\d+/);
        expect((await socket.next('confirm_result', (r) => r.confirmId === card.confirmId)).outcome).toBe(
          'withdrawn',
        );
        expect(withdraw).toHaveBeenCalledTimes(1);
        socket.close();
      } finally {
        withdraw.mockRestore();
      }
    });
  });
});
