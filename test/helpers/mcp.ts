import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { loadSigningKey } from '../../server/auth/keys.js';
import { signMcpToken } from '../../server/auth/mcp-token.js';
import type { Scope } from '../../shared/scopes.js';
import type { TestServer } from './server.js';

/** An MCP token signed with the test server's own key, every claim under the test's control. */
export async function tokenWith(
  server: TestServer,
  claims: { sub: string; scopes: Scope[]; site?: string },
  opts: { ttlSeconds?: number; audience?: string; issuer?: string } = {},
): Promise<string> {
  const key = await loadSigningKey(server.app.deputy.store.secrets);
  return signMcpToken(
    key,
    {
      issuer: opts.issuer ?? server.url,
      audience: opts.audience ?? `${server.url}/mcp`,
      ...(opts.ttlSeconds !== undefined ? { ttlSeconds: opts.ttlSeconds } : {}),
    },
    { ...claims, client: 'test' },
  );
}

/** An MCP token for `sub` with `scopes`, signed with the test server's own key. */
export function mcpToken(
  server: TestServer,
  sub: string,
  scopes: Scope[],
  opts: { audience?: string; issuer?: string; ttlSeconds?: number } = {},
): Promise<string> {
  return tokenWith(server, { sub, scopes }, opts);
}

/** A real MCP client over Streamable HTTP with a bearer token. */
export async function mcpClient(server: TestServer, token: string): Promise<Client> {
  const transport = new StreamableHTTPClientTransport(new URL(`${server.url}/mcp`), {
    requestInit: { headers: { authorization: `Bearer ${token}` } },
  });
  const client = new Client({ name: 'test', version: '0' });
  await client.connect(transport);
  return client;
}

/** A raw JSON-RPC POST to /mcp. */
export function postMcp(
  server: TestServer,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<Response> {
  return fetch(`${server.url}/mcp`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      ...headers,
    },
    body: JSON.stringify(body),
  });
}
