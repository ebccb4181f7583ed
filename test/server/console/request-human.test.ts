import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeDataDir, startServer, type TestServer } from '../../helpers/server.js';
import { describeStores } from '../../helpers/stores.js';
import { signIn } from '../../helpers/ws-client.js';
import { FakeProvider, oaChunk, oaEnd } from '../agent/support/fake-provider.js';
import { consoleSignIn, consoleSocket } from './support.js';

describeStores('console request_human', (kind) => {
  let server: TestServer;
  let fake: FakeProvider;
  beforeAll(async () => {
    fake = await FakeProvider.start();
    server = await startServer({
      store: kind,
      env: {
        DEPUTY_MODEL: 'openai',
        DEPUTY_MODEL_NAME: 'test-model',
        OPENAI_BASE_URL: fake.url,
        OPENAI_API_KEY: 'test-key',
      },
    });
  });
  afterAll(async () => {
    await server?.close();
    await fake?.close();
    removeDataDir(server.dataDir);
  });

  describe('request_human, the control tool offered to LLM models', () => {
    it('is offered beside the CRM tools, and calling it queues the conversation without reaching MCP', async () => {
      const sam = await consoleSignIn(server);
      const live = await consoleSocket(server, sam);
      await live.next((f) => f.type === 'hello');
      fake.reply({
        sse: [
          oaChunk({
            tool_calls: [
              {
                index: 0,
                id: 'call_h',
                function: { name: 'request_human', arguments: '{"reason":"billing dispute"}' },
              },
            ],
          }),
          oaChunk({}, 'tool_calls'),
          ...oaEnd,
        ],
      });
      const alice = await signIn(server, 'cus_alice');
      const id = (alice.frames.find((f) => f.type === 'welcome') as { conversationId: string })
        .conversationId;
      alice.send({
        type: 'message',
        clientId: 'c_llm_handoff1',
        text: 'This charge is wrong and I am upset',
      });
      const reply = await alice.next('message', (f) => f.role === 'assistant', 10_000);
      expect(reply.text).toBe("I've asked a person from our team to join this chat.");
      const status = await alice.next('message', (f) => f.role === 'status');
      expect(status.text).toMatch(/^queued:\d+$/);
      await live.next((f) => f.type === 'conversation' && f.conversation.id === id && f.event === 'queued');

      const tools = (fake.requests[0]?.body.tools ?? []) as { function: { name: string } }[];
      expect(tools.map((t) => t.function.name)).toContain('request_human');
      expect(tools.map((t) => t.function.name)).toContain('get_customer_info');
      expect(fake.requests).toHaveLength(1);
      const audited = await server.app.deputy.store.db
        .selectFrom('audit_log')
        .select('tool')
        .where('cid', '=', id)
        .execute();
      expect(audited.map((a) => a.tool)).not.toContain('request_human');
      const detail = (await (await sam.call('GET', `/console/api/conversations/${id}`)).json()) as {
        notes: { text: string }[];
      };
      expect(detail.notes[0]?.text).toContain('The assistant asked for a person. (“billing dispute”)');

      // Queued with Sam online: the next message takes no model step at all.
      alice.send({ type: 'message', clientId: 'c_llm_handoff2', text: 'hello?' });
      await live.next((f) => f.type === 'message' && f.message.text === 'hello?');
      expect(fake.requests).toHaveLength(1);
      alice.close();
      live.ws.close();
    });
  });
});
