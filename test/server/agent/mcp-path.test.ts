import { createServer } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { removeDataDir, startServer, type TestServer } from '../../helpers/server.js';
import { sqliteOf } from '../../helpers/stores.js';
import { visitorToken } from '../../helpers/tokens.js';
import { ask, TestSocket } from '../../helpers/ws-client.js';

let server: TestServer | null = null;
afterEach(async () => {
  await server?.close();
  if (server) removeDataDir(server.dataDir);
  server = null;
});

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

async function askAlice(s: TestServer): Promise<string> {
  const socket = await TestSocket.open(s.url);
  socket.send({ type: 'hello', v: 1, site: 'demo', token: await visitorToken(s.dataDir, 'cus_alice') });
  await socket.next('welcome');
  const reply = await ask(socket, "What's the status of ticket T-1001?");
  socket.close();
  return reply.text;
}

function auditRows(s: TestServer) {
  return sqliteOf(s.app.deputy.store).prepare('SELECT sub, tool, outcome, client FROM audit_log').all();
}

describe('how the agent reaches the MCP server', () => {
  it('goes in process by default, through the same token check and audit as /mcp', async () => {
    server = await startServer();
    expect(await askAlice(server)).toContain('open');
    expect(auditRows(server)).toEqual([
      { sub: 'cus_alice', tool: 'get_ticket_status', outcome: 'ok', client: 'deputy-chat' },
    ]);
  });

  it('speaks Streamable HTTP to MCP_URL when the MCP server is configured elsewhere', async () => {
    const port = await freePort();
    server = await startServer({ port, env: { MCP_URL: `http://127.0.0.1:${port}/mcp` } });
    const before = server.app.deputy.metrics.registry.getSingleMetricAsString(
      'deputy_http_request_duration_seconds',
    );
    expect(await askAlice(server)).toContain('open');
    const after = await server.app.deputy.metrics.registry.getSingleMetricAsString(
      'deputy_http_request_duration_seconds',
    );
    expect(String(await before)).not.toContain('route="/mcp"');
    expect(after).toContain('route="/mcp"');
    expect(auditRows(server)).toHaveLength(1);
  });
});
