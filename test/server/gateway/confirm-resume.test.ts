import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeDataDir, startServer, type TestServer } from '../../helpers/server.js';
import { describeStores } from '../../helpers/stores.js';
import { visitorToken } from '../../helpers/tokens.js';
import { TestSocket } from '../../helpers/ws-client.js';

describeStores('gateway confirm and resume', (kind) => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startServer({ store: kind });
  });
  afterAll(async () => {
    await server.close();
    removeDataDir(server.dataDir);
  });

  describe('a confirm card across a reconnect', () => {
    it('is shown again to a widget that resumes while the card is pending, and one click completes it', async () => {
      const token = await visitorToken(server, 'cus_alice');
      const first = await TestSocket.open(server.url);
      first.send({ type: 'hello', v: 1, site: 'demo', token });
      const welcome = await first.next('welcome');
      first.send({
        type: 'message',
        clientId: 'phone_change_1',
        text: 'Please change my phone number to +44 20 7946 0000',
      });
      const card = await first.next('confirm_request', () => true, 10_000);
      first.close();
      await first.waitClose();

      const second = await TestSocket.open(server.url);
      second.send({
        type: 'hello',
        v: 1,
        site: 'demo',
        token,
        conversationId: welcome.conversationId,
        lastSeq: welcome.lastSeq,
      });
      const again = await second.next('confirm_request');
      expect(again).toEqual(card);
      second.send({ type: 'confirm', confirmId: card.confirmId, accept: true });
      expect((await second.next('confirm_result')).outcome).toBe('accepted');
      const reply = await second.next('message', (m) => m.role === 'assistant', 10_000);
      expect(reply.text).toMatch(/phone number is now \+44 ?20 ?7946 ?0000/);
      const row = await server.app.deputy.store.db
        .selectFrom('customers')
        .select('phone')
        .where('site_id', '=', 'demo')
        .where('id', '=', 'cus_alice')
        .executeTakeFirstOrThrow();
      expect(row.phone).toBe('+442079460000');
      second.close();
    });
  });
});
