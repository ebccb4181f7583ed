import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { LoggingMessageNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSigningKey } from '../../../server/auth/keys.js';
import { configFromEnv } from '../../../server/config.js';
import { InProcessTransport } from '../../../server/mcp/in-process.js';
import { mcpRouteOptions } from '../../../server/mcp/setup.js';
import { postMcp } from '../../helpers/mcp.js';
import { removeDataDir, startServer, type TestServer } from '../../helpers/server.js';
import { dbHash, rows, visitor } from './support.js';

let server: TestServer;
let token: string;

beforeAll(async () => {
  server = await startServer({
    env: { DEPUTY_MCP_ALLOWED_HOSTS: 'mcp.internal, [fd00::1]', DEPUTY_PUBLIC_URL: '' },
  });
  token = await visitor(server, 'cus_alice');
});
afterAll(async () => {
  await server.close();
  removeDataDir(server.dataDir);
});

const list = { jsonrpc: '2.0', id: 1, method: 'tools/list', params: {} };
const auditCount = () => rows<{ n: number }>(server, 'select count(*) as n from audit_log')[0]?.n ?? 0;

/** A raw POST with a chosen Host header (fetch cannot set one, so node:http does). */
async function postWithHost(host: string, headers: Record<string, string> = {}) {
  const { request } = await import('node:http');
  const body = JSON.stringify({
    jsonrpc: '2.0',
    id: 2,
    method: 'tools/call',
    params: { name: 'get_customer_info', arguments: {} },
  });
  return new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port: server.port,
        path: '/mcp',
        method: 'POST',
        headers: {
          host,
          authorization: `Bearer ${token}`,
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
          ...headers,
        },
      },
      (res) => {
        let text = '';
        res.on('data', (c) => {
          text += c;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

describe('DNS-rebinding protection on /mcp (docs/threat-model.md M1, M2)', () => {
  it('M1: refuses a Host that is not one of the server’s (403, coded, before the token is even read; nothing runs)', async () => {
    const before = { hash: dbHash(server), audit: auditCount() };
    for (const host of [
      'evil.example.com',
      `evil.example.com:${server.port}`,
      'localhost.evil.example',
      '127.0.0.2',
      'a b',
    ]) {
      const res = await postWithHost(host);
      expect([host, res.status]).toEqual([host, 403]);
      expect(JSON.parse(res.body)).toEqual({
        jsonrpc: '2.0',
        error: { code: -32000, message: 'Forbidden: Host not allowed' },
        id: null,
      });
    }
    // Refused even without a token: the page learns nothing about authentication either.
    const noToken = await postWithHost('evil.example.com', { authorization: '' });
    expect(noToken.status).toBe(403);
    expect({ hash: dbHash(server), audit: auditCount() }).toEqual(before);
  });

  it('answers the loopback names, its own URL’s host and DEPUTY_MCP_ALLOWED_HOSTS, on any port', async () => {
    for (const host of [
      `127.0.0.1:${server.port}`,
      'localhost',
      'LOCALHOST:8080',
      `[::1]:${server.port}`,
      'mcp.internal',
      'mcp.internal:443',
      '[fd00::1]:3000',
    ]) {
      const res = await postWithHost(host);
      expect(res.status, host).toBe(200);
      expect(JSON.parse(res.body).result.isError, host).toBeUndefined();
    }
  });

  it('M2: refuses a browser Origin on another host (403), allows none and an Origin on an allowed host', async () => {
    const before = auditCount();
    for (const origin of ['http://evil.example.com', 'https://evil.example.com', 'null', 'file://', 'x']) {
      const res = await postWithHost(`127.0.0.1:${server.port}`, { origin });
      expect(res.status, origin).toBe(403);
      expect(JSON.parse(res.body).error.message).toBe('Forbidden: Origin not allowed');
    }
    expect(auditCount()).toBe(before);
    for (const origin of [server.url, 'http://localhost:5173', 'https://mcp.internal']) {
      expect((await postWithHost(`localhost:${server.port}`, { origin })).status, origin).toBe(200);
    }
  });

  it('checks GET and DELETE too, and takes the host of DEPUTY_PUBLIC_URL', async () => {
    const res = await fetch(`${server.url}/mcp`, { headers: { origin: 'http://evil.example.com' } });
    expect(res.status).toBe(403);
    const other = await startServer({ env: { DEPUTY_PUBLIC_URL: 'https://chat.example.com' } });
    try {
      const { request } = await import('node:http');
      const status = await new Promise<number>((resolve) => {
        request(
          {
            host: '127.0.0.1',
            port: (other.app.server.address() as { port: number }).port,
            path: '/mcp',
            method: 'GET',
            headers: { host: 'chat.example.com' },
          },
          (r) => {
            r.resume();
            resolve(r.statusCode ?? 0);
          },
        ).end();
      });
      // Past the Host check: the stateless server's own 405 for GET.
      expect(status).toBe(405);
    } finally {
      await other.close();
      removeDataDir(other.dataDir);
    }
  });

  it('refuses a DEPUTY_MCP_ALLOWED_HOSTS entry with a scheme or a port at boot', () => {
    expect(() => configFromEnv({ DEPUTY_MCP_ALLOWED_HOSTS: 'https://a.example' })).toThrow(
      /DEPUTY_MCP_ALLOWED_HOSTS/,
    );
    expect(() => configFromEnv({ DEPUTY_MCP_ALLOWED_HOSTS: 'a.example:443' })).toThrow(
      /env_invalid|host names/,
    );
    expect(configFromEnv({ DEPUTY_MCP_ALLOWED_HOSTS: ' A.example ,b ' }).mcpAllowedHosts).toEqual([
      'a.example',
      'b',
    ]);
  });
});

/** The same client over both paths: /mcp over HTTP and the agent's in-process transport. */
async function clients(): Promise<{ name: string; client: Client }[]> {
  const http = new Client({ name: 'test', version: '0' });
  await http.connect(
    new StreamableHTTPClientTransport(new URL(`${server.url}/mcp`), {
      requestInit: { headers: { authorization: `Bearer ${token}` } },
    }),
  );
  const mcp = mcpRouteOptions({
    config: server.app.deputy.config,
    store: server.app.deputy.store,
    signingKey: await loadSigningKey(server.dataDir),
    issuer: () => server.url,
    resourceUrl: () => `${server.url}/mcp`,
    log: server.app.log,
  });
  const inProcess = new Client({ name: 'test', version: '0' });
  await inProcess.connect(new InProcessTransport(async () => token, mcp));
  return [
    { name: 'HTTP', client: http },
    { name: 'in-process', client: inProcess },
  ];
}

describe('protocol features, the same over /mcp and in process', () => {
  it('declares logging, resources and prompts; answers ping and empty resource and prompt lists', async () => {
    const answers = [];
    for (const { name, client } of await clients()) {
      expect(client.getServerCapabilities(), name).toMatchObject({
        tools: {},
        logging: {},
        resources: {},
        prompts: {},
      });
      const answer = {
        ping: await client.ping(),
        resources: await client.listResources(),
        templates: await client.listResourceTemplates(),
        prompts: await client.listPrompts(),
        read: await client
          .readResource({ uri: 'crm://customer/cus_bob' })
          .catch((e: { code: number; message: string }) => [e.code, e.message]),
        prompt: await client
          .getPrompt({ name: 'x' })
          .catch((e: { code: number; message: string }) => [e.code, e.message]),
      };
      expect(answer, name).toEqual({
        ping: {},
        resources: { resources: [] },
        templates: { resourceTemplates: [] },
        prompts: { prompts: [] },
        read: [-32002, 'MCP error -32002: Resource not found'],
        prompt: [-32602, 'MCP error -32602: Prompt not found'],
      });
      answers.push(answer);
      await client.close();
    }
    expect(answers[0]).toEqual(answers[1]);
  });

  it('sends log messages at or above the level set, with no argument, record or caller in them', async () => {
    const seen: Record<string, unknown[]> = {};
    for (const { name, client } of await clients()) {
      const messages: unknown[] = [];
      seen[name] = messages;
      client.setNotificationHandler(LoggingMessageNotificationSchema, (n) => {
        messages.push(n.params);
      });
      // Before any setLevel: nothing.
      await client.callTool({ name: 'get_ticket_status', arguments: { ticket_id: 'T-1001' } });
      expect(messages, name).toEqual([]);
      await client.setLoggingLevel('info');
      await client.callTool({ name: 'get_ticket_status', arguments: { ticket_id: 'T-1001' } });
      await client.callTool({ name: 'get_ticket_status', arguments: { ticket_id: 'T-9999' } });
      await client.setLoggingLevel('error');
      await client.callTool({ name: 'get_ticket_status', arguments: { ticket_id: 'T-1001' } });
      await client.callTool({ name: 'get_ticket_status', arguments: { ticket_id: 'T-9999' } });
      await expect(client.setLoggingLevel('loud' as 'info'), name).rejects.toThrow(
        /-32602: level must be one of debug, info/,
      );
      await client.close();
    }
    for (const [name, messages] of Object.entries(seen)) {
      expect(
        messages.map((m) => ({ ...(m as object), data: { ...(m as { data: object }).data, ms: 0 } })),
        name,
      ).toEqual([
        { level: 'info', logger: 'deputy-crm', data: { tool: 'get_ticket_status', outcome: 'ok', ms: 0 } },
        {
          level: 'warning',
          logger: 'deputy-crm',
          data: { tool: 'get_ticket_status', outcome: 'not_found', ms: 0 },
        },
      ]);
      const text = JSON.stringify(messages);
      for (const secret of ['T-1001', 'T-9999', 'cus_alice', 'alice', token.slice(0, 20)])
        expect(text).not.toContain(secret);
    }
  });

  it('answers a call with log messages as one event stream: the messages, then the response', async () => {
    const res = await postMcp(
      server,
      { jsonrpc: '2.0', id: 5, method: 'logging/setLevel', params: { level: 'debug' } },
      { authorization: `Bearer ${token}` },
    );
    expect(await res.json()).toEqual({ jsonrpc: '2.0', id: 5, result: {} });
    const call = await postMcp(
      server,
      { jsonrpc: '2.0', id: 6, method: 'tools/call', params: { name: 'get_customer_info', arguments: {} } },
      { authorization: `Bearer ${token}` },
    );
    expect(call.headers.get('content-type')).toContain('text/event-stream');
    const events = (await call.text()).split('\n\n').filter(Boolean);
    expect(
      events.map((e) => JSON.parse(e.replace(/^event: message\ndata: /, '')).method ?? 'response'),
    ).toEqual(['notifications/message', 'response']);
    // Tools/list logs nothing, so it stays plain JSON.
    const listed = await postMcp(server, list, { authorization: `Bearer ${token}` });
    expect(listed.headers.get('content-type')).toContain('application/json');
  });
});
