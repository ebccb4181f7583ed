import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { visitorToken } from '../../helpers/tokens.js';
import { ask, TestSocket } from '../../helpers/ws-client.js';
import { type ChildServer, freePort, spawnServer } from './child-server.js';

// What `npm start` runs is the esbuild bundle, not the sources the other tests import: this
// checks that the bundle boots on a new data directory and serves every part of the demo.
let child: ChildServer;
let dataDir: string;

beforeAll(async () => {
  dataDir = mkdtempSync(path.join(tmpdir(), 'deputy-bundle-'));
  child = await spawnServer({ dataDir, port: await freePort(), entry: 'bundle' });
}, 30_000);
afterAll(async () => {
  child.proc.kill('SIGTERM');
  await child.exited;
  rmSync(dataDir, { recursive: true, force: true });
});

describe('the built server (npm start)', () => {
  it('serves the demo page, the widget and a chat turn through the MCP server', async () => {
    const page = await (await fetch(`${child.url}/?as=alice`)).text();
    expect(page).toContain('Alice Martin');
    expect(page).toContain('data-visitor-token=');
    const widget = await fetch(`${child.url}/widget.js`);
    expect(widget.status).toBe(200);
    expect(widget.headers.get('content-type')).toContain('javascript');
    expect((await fetch(`${child.url}/demo/demo.css`)).status).toBe(200);

    const socket = await TestSocket.open(child.url);
    socket.send({ type: 'hello', v: 1, site: 'demo', token: await visitorToken(dataDir, 'cus_alice') });
    await socket.next('welcome');
    const reply = await ask(socket, "What's the status of ticket T-1001?");
    expect(reply.text).toContain('**open**');
    socket.close();
  });

  it('refuses /mcp without a token and stops cleanly on SIGTERM', async () => {
    const res = await fetch(`${child.url}/mcp`, { method: 'POST', body: '{}' });
    expect(res.status).toBe(401);
    child.proc.kill('SIGTERM');
    expect((await child.exited).code).toBe(0);
  });
});
