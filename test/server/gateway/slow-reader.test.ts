import type { Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConversationStore } from '../../../server/store/conversations.js';
import { removeDataDir, startServer, type TestServer } from '../../helpers/server.js';
import { describeStores } from '../../helpers/stores.js';
import { visitorToken } from '../../helpers/tokens.js';
import { ask, TestSocket } from '../../helpers/ws-client.js';

describeStores('a slow reader', (kind) => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startServer({
      store: kind,
      env: { DEPUTY_LIMIT_MAX_BUFFERED_BYTES: String(64 * 1024), DEPUTY_LIMIT_REPLAY_STALL_MS: '300' },
    });
  });
  afterAll(async () => {
    await server.close();
    removeDataDir(server.dataDir);
  });

  describe('a reader too slow to keep up', () => {
    it('is disconnected with 1013 instead of making the server buffer without bound, and can resume', async () => {
      // A long conversation (500 long messages, 10 MB) that a resume replays at once.
      const store = new ConversationStore(server.app.deputy.store.db);
      const conversation = await store.create('demo', 'cus_alice');
      for (let i = 0; i < 500; i++) {
        await store.append(conversation.id, { role: 'assistant', text: `${i} ${'x'.repeat(19_990)}` });
      }
      const token = await visitorToken(server, 'cus_alice');
      const slow = await TestSocket.open(server.url);
      const tcp = (slow.ws as unknown as { _socket: Socket })._socket;
      slow.send({ type: 'hello', v: 1, site: 'demo', token, conversationId: conversation.id, lastSeq: 0 });
      tcp.pause();
      await new Promise((r) => setTimeout(r, 1000));
      tcp.resume();
      const closed = await slow.waitClose();
      expect(closed.code).toBe(1013);
      const replayed = slow.frames.filter((f) => f.type === 'message').length;
      expect(replayed).toBeGreaterThan(0);
      expect(replayed).toBeLessThan(500);

      // The widget reconnects from the last message it rendered and gets the rest, paced by its reading.
      const lastSeq = Math.max(...slow.frames.map((f) => (f.type === 'message' ? f.seq : 0)));
      const again = await TestSocket.open(server.url);
      again.send({ type: 'hello', v: 1, site: 'demo', token, conversationId: conversation.id, lastSeq });
      expect((await again.next('welcome')).resumed).toBe(true);
      await again.next('message', (m) => m.seq === 500);
      expect((await ask(again, 'hello')).text).toMatch(/Alice/);
      again.close();
    });
  });
});
