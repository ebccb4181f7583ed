import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VisitorAgent } from '../../../server/agent/agent.js';
import { RulesModel } from '../../../server/agent/models/rules.js';
import { loadSigningKey } from '../../../server/auth/keys.js';
import { McpTokenMinter } from '../../../server/auth/mcp-token.js';
import { InProcessTransport, inProcessTools } from '../../../server/mcp/in-process.js';
import { mcpRouteOptions } from '../../../server/mcp/setup.js';
import type { StoredMessage } from '../../../server/store/conversations.js';
import { removeDataDir, startServer, type TestServer } from '../../helpers/server.js';
import { rows } from '../mcp/support.js';
import { RecordingSink } from './support/sink.js';

let server: TestServer;
let agentFor: (sub: string, form: 'direct' | 'transport') => VisitorAgent;

beforeAll(async () => {
  server = await startServer();
  const key = await loadSigningKey(server.dataDir);
  const mcp = mcpRouteOptions({
    config: server.app.deputy.config,
    store: server.app.deputy.store,
    signingKey: key,
    issuer: () => server.url,
    resourceUrl: () => `${server.url}/mcp`,
    log: server.app.log,
  });
  const minter = new McpTokenMinter(
    key,
    () => server.url,
    () => `${server.url}/mcp`,
  );
  const model = new RulesModel();
  agentFor = (sub, form) =>
    new VisitorAgent(
      {
        site: 'demo',
        sub,
        anonymous: false,
        name: null,
        email: null,
        scopes: ['crm.read', 'crm.contact.update.self', 'crm.ticket.create', 'crm.write'],
        exp: null,
      },
      'conv_inprocess_test',
      {
        model,
        minter,
        mcpUrl: () => `${server.url}/mcp`,
        // The direct tools the app uses, or an SDK client over the in-process transport.
        transport:
          form === 'direct'
            ? { direct: (getToken) => inProcessTools(getToken, mcp) }
            : (getToken) => new InProcessTransport(getToken, mcp),
      },
    );
});
afterAll(async () => {
  await server.close();
  removeDataDir(server.dataDir);
});

const said = (text: string): StoredMessage[] => [
  { id: 'm1', conversation_id: 'c', seq: 1, role: 'visitor', text, client_id: null, created_at: '' },
];

describe.each(['direct', 'transport'] as const)(
  'the agent over the in-process MCP path (embedded default, %s)',
  (form) => {
    // A different number per form: the second run must change the phone again to show a card.
    const last = form === 'direct' ? '44' : '45';
    it('answers from the CRM and confirms a write exactly as over HTTP', async () => {
      const agent = agentFor('cus_bob', form);
      expect(
        await agent.reply(said('status of T-2001?'), new RecordingSink(), new AbortController().signal),
      ).toContain('is **pending**');
      const sink = new RecordingSink('accepted');
      const reply = await agent.reply(
        said(`update my phone to +1 415 555 01${last}`),
        sink,
        new AbortController().signal,
      );
      expect(sink.cards[0]?.summary).toContain(`+1 415 555 01${last}`);
      expect(reply).toBe(`Done! Your phone number is now +1 415 555 01${last}.`);
      expect(
        rows<{ phone: string }>(server, "select phone from customers where id = 'cus_bob'")[0]?.phone,
      ).toBe(`+141555501${last}`);
      await agent.close();
    });

    it("still cannot read another customer's ticket", async () => {
      const agent = agentFor('cus_bob', form);
      const reply = await agent.reply(
        said('status of T-1001?'),
        new RecordingSink(),
        new AbortController().signal,
      );
      expect(reply).toContain("couldn't find");
      expect(reply).not.toContain('Order #5512');
      await agent.close();
    });
  },
);
