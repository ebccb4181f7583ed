import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mcpToken } from '../../helpers/mcp.js';
import { removeDataDir, startServer, type TestServer } from '../../helpers/server.js';

let server: TestServer;
let auth: string;

beforeAll(async () => {
  server = await startServer();
  auth = `Bearer ${await mcpToken(server, 'cus_alice', ['crm.read'])}`;
});
afterAll(async () => {
  await server.close();
  removeDataDir(server.dataDir);
});

function post(body: string, headers: Record<string, string> = {}) {
  return fetch(`${server.url}/mcp`, {
    method: 'POST',
    headers: {
      authorization: auth,
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      ...headers,
    },
    body,
  });
}

const list = JSON.stringify({ jsonrpc: '2.0', id: 7, method: 'tools/list', params: {} });

describe('Streamable HTTP at /mcp, as the MCP transport specifies it', () => {
  it('answers a request in JSON with the same id', async () => {
    const res = await post(list);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('application/json');
    const body = (await res.json()) as { id: number; result: { tools: unknown[] } };
    expect(body.id).toBe(7);
    expect(body.result.tools.length).toBeGreaterThan(0);
  });

  it('answers a batch with one response per request, and a notification alone with 202', async () => {
    const batch = await post(`[${list},${list.replace('"id":7', '"id":8')}]`);
    expect(((await batch.json()) as { id: number }[]).map((r) => r.id)).toEqual([7, 8]);
    const note = await post(JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }));
    expect(note.status).toBe(202);
    expect(await note.text()).toBe('');
  });

  it('refuses a client that does not accept both JSON and event streams (406)', async () => {
    const res = await post(list, { accept: 'application/json' });
    expect(res.status).toBe(406);
    expect(await res.json()).toMatchObject({ jsonrpc: '2.0', error: { code: -32000 }, id: null });
  });

  it('refuses other content types (415), broken JSON (400, -32700) and non-JSON-RPC bodies', async () => {
    const text = await post(list, { 'content-type': 'text/plain' });
    expect(text.status).toBe(415);
    expect(await text.json()).toMatchObject({ error: { code: -32000 } });
    const broken = await post('{"jsonrpc":');
    expect(broken.status).toBe(400);
    expect(await broken.json()).toMatchObject({ error: { code: -32700 } });
    const notRpc = await post(JSON.stringify({ hello: 'world' }));
    expect(notRpc.status).toBe(400);
    expect(await notRpc.json()).toMatchObject({ error: { code: -32700 } });
  });

  it('refuses an unsupported MCP-Protocol-Version header (400)', async () => {
    const res = await post(list, { 'mcp-protocol-version': '1999-01-01' });
    expect(res.status).toBe(400);
    expect(JSON.stringify(await res.json())).toContain('Unsupported protocol version');
  });
});
