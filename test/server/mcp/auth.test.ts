import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mcpClient, mcpToken, postMcp } from '../../helpers/mcp.js';
import { removeDataDir, startServer, type TestServer } from '../../helpers/server.js';
import { visitorToken } from '../../helpers/tokens.js';

let server: TestServer;
const listTools = { jsonrpc: '2.0', id: 1, method: 'tools/list', params: {} };

beforeAll(async () => {
  server = await startServer();
});
afterAll(async () => {
  await server.close();
  removeDataDir(server.dataDir);
});

async function expect401(headers: Record<string, string>) {
  const res = await postMcp(server, listTools, headers);
  expect(res.status).toBe(401);
  const challenge = res.headers.get('www-authenticate') ?? '';
  expect(challenge).toMatch(/^Bearer error="invalid_(token|request)"/);
  expect(challenge).toContain(`resource_metadata="${server.url}/.well-known/oauth-protected-resource/mcp"`);
}

describe('/mcp authorization', () => {
  it('refuses a request without a token', () => expect401({}));
  it('refuses an expired token', async () =>
    expect401({
      authorization: `Bearer ${await mcpToken(server, 'cus_alice', ['crm.read'], { ttlSeconds: -60 })}`,
    }));
  it('refuses a token for another audience (A6)', async () =>
    expect401({
      authorization: `Bearer ${await mcpToken(server, 'cus_alice', ['crm.read'], { audience: 'https://other.example/mcp' })}`,
    }));
  it('refuses a token from another issuer', async () =>
    expect401({
      authorization: `Bearer ${await mcpToken(server, 'cus_alice', ['crm.read'], { issuer: 'https://evil.example' })}`,
    }));
  it('refuses a visitor token presented as an MCP token (A9)', async () =>
    expect401({ authorization: `Bearer ${await visitorToken(server.dataDir, 'cus_alice')}` }));
  it('refuses a malformed Authorization header', () => expect401({ authorization: 'Basic abc' }));

  it('answers GET and DELETE with 405', async () => {
    for (const method of ['GET', 'DELETE']) {
      const res = await fetch(`${server.url}/mcp`, { method });
      expect(res.status).toBe(405);
    }
  });

  it('publishes protected resource metadata and the signing keys', async () => {
    const prm = await (await fetch(`${server.url}/.well-known/oauth-protected-resource/mcp`)).json();
    expect(prm).toMatchObject({ resource: `${server.url}/mcp`, authorization_servers: [server.url] });
    const jwks = (await (await fetch(`${server.url}/.well-known/jwks.json`)).json()) as {
      keys: { kty: string; d?: string }[];
    };
    expect(jwks.keys[0]).toMatchObject({ kty: 'OKP', crv: 'Ed25519', alg: 'EdDSA' });
    expect(jwks.keys[0]?.d).toBeUndefined();
  });
});

describe('MCP tools through the SDK client', () => {
  it('lists only the read tools for crm.read and answers with structured content', async () => {
    const client = await mcpClient(server, await mcpToken(server, 'cus_alice', ['crm.read']));
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name)).toEqual(['get_customer_info', 'get_ticket_status', 'list_my_tickets']);
    const res = await client.callTool({ name: 'get_ticket_status', arguments: { ticket_id: 'T-1001' } });
    expect(res.structuredContent).toMatchObject({
      ticket_id: 'T-1001',
      status: 'open',
      subject: 'Order #5512 arrived damaged',
    });
    await client.close();
  });

  it("answers another customer's ticket exactly like a missing one (S3)", async () => {
    const client = await mcpClient(server, await mcpToken(server, 'cus_bob', ['crm.read']));
    const others = await client.callTool({ name: 'get_ticket_status', arguments: { ticket_id: 'T-1001' } });
    const missing = await client.callTool({ name: 'get_ticket_status', arguments: { ticket_id: 'T-1999' } });
    expect(others.isError).toBe(true);
    expect(JSON.stringify(others).replaceAll('T-1001', 'T-X')).toBe(
      JSON.stringify(missing).replaceAll('T-1999', 'T-X'),
    );
    await client.close();
  });

  it('rejects a customer_id argument from a visitor token (S1)', async () => {
    const client = await mcpClient(server, await mcpToken(server, 'cus_bob', ['crm.read']));
    const res = await client.callTool({ name: 'get_customer_info', arguments: { customer_id: 'cus_alice' } });
    expect(res.isError).toBe(true);
    expect(JSON.stringify(res)).not.toContain('alice@example.com');
    await client.close();
  });
});
