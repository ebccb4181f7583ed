import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSigningKey } from '../../../server/auth/keys.js';
import { InProcessTransport } from '../../../server/mcp/in-process.js';
import { mcpRouteOptions } from '../../../server/mcp/setup.js';
import { removeDataDir, startServer, type TestServer } from '../../helpers/server.js';
import { visitorToken } from '../../helpers/tokens.js';
import { callTool, dbHash, type ToolError, tokenWith, visitor } from './support.js';

let server: TestServer;
let mcp: ReturnType<typeof mcpRouteOptions>;

beforeAll(async () => {
  server = await startServer();
  mcp = mcpRouteOptions({
    config: server.app.deputy.config,
    store: server.app.deputy.store,
    signingKey: await loadSigningKey(server.dataDir),
    issuer: () => server.url,
    resourceUrl: () => `${server.url}/mcp`,
    log: server.app.log,
  });
});
afterAll(async () => {
  await server.close();
  removeDataDir(server.dataDir);
});

async function connect(getToken: () => Promise<string>): Promise<Client> {
  const client = new Client({ name: 'agent', version: '0' });
  await client.connect(new InProcessTransport(getToken, mcp));
  return client;
}

describe('the in-process MCP transport (embedded default, docs/architecture.md §7)', () => {
  it('answers exactly what /mcp answers over HTTP for the same token', async () => {
    const token = await visitor(server, 'cus_alice');
    const client = await connect(async () => token);
    const { tools } = await client.listTools();
    expect(tools).toHaveLength(6);
    const inProcess = await client.callTool({
      name: 'get_ticket_status',
      arguments: { ticket_id: 'T-1001' },
    });
    const overHttp = await callTool(server, token, 'get_ticket_status', { ticket_id: 'T-1001' });
    expect(inProcess).toEqual(overHttp);
    await client.close();
  });

  it('verifies the current token on every request: an expired or foreign one gets nothing', async () => {
    let token = await visitor(server, 'cus_alice');
    const client = await connect(async () => token);
    await client.listTools();
    const before = dbHash(server);
    for (const bad of [
      await tokenWith(server, { sub: 'cus_alice', scopes: ['crm.read'] }, { ttlSeconds: -60 }),
      await tokenWith(server, { sub: 'cus_alice', scopes: ['crm.read'] }, { audience: 'deputy' }),
      await visitorToken(server.dataDir, 'cus_alice'),
    ]) {
      token = bad;
      await expect(
        client.callTool({ name: 'update_phone_number', arguments: { phone: '+1 212 555 0100' } }),
      ).rejects.toThrow(/Unauthorized/);
    }
    expect(dbHash(server)).toBe(before);
    await client.close();
  });

  it('keeps scopes, ownership and confirmation: a write needs the visitor’s confirmation state', async () => {
    const client = await connect(() => visitor(server, 'cus_bob'));
    const others = await client.callTool({ name: 'get_ticket_status', arguments: { ticket_id: 'T-1001' } });
    expect(others.isError).toBe(true);
    const asked = await client.callTool({
      name: 'update_phone_number',
      arguments: { phone: '+44 20 7946 0001' },
    });
    const content = asked.content as { type: string; text: string }[];
    const err = JSON.parse(content[0]?.text ?? '{}') as ToolError;
    expect(err.error).toBe('confirmation_required');
    const done = await client.callTool({
      name: 'update_phone_number',
      arguments: { phone: '+44 20 7946 0001' },
      _meta: { 'io.deputy/confirmation': err.confirmation?.state },
    });
    expect(done.structuredContent).toMatchObject({ phone: '+442079460001', changed: true });
    await client.close();
  });
});
