import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeDataDir, startServer, type TestServer } from '../../helpers/server.js';
import { dbHash, visitor } from './support.js';

const run = promisify(execFile);

/**
 * Interop (issue 3, item 9): the official MCP Inspector CLI, installed as a dev dependency (no
 * network at test time), lists and calls the tools over Streamable HTTP with a bearer token. It asks
 * for Node 22 in its engines field but runs on Node 20.
 */
let server: TestServer;
let token: string;

beforeAll(async () => {
  server = await startServer();
  token = await visitor(server, 'cus_alice');
});
afterAll(async () => {
  await server.close();
  removeDataDir(server.dataDir);
});

/** Runs the CLI; a tool error makes it exit non-zero, so the output is read either way. */
async function inspector(...args: string[]): Promise<Record<string, unknown>> {
  const { stdout } = await run(
    'node_modules/.bin/mcp-inspector',
    [
      '--cli',
      `${server.url}/mcp`,
      '--transport',
      'http',
      '--header',
      `Authorization: Bearer ${token}`,
      ...args,
    ],
    { timeout: 80_000, maxBuffer: 4 * 1024 * 1024, env: { ...process.env, NO_COLOR: '1' } },
  ).catch((err: { stdout?: string }) => ({ stdout: err.stdout ?? '' }));
  return JSON.parse(stdout) as Record<string, unknown>;
}

// Each run starts a Node process; on a loaded 2-core machine that can take many seconds.
describe('the MCP Inspector CLI', { timeout: 90_000 }, () => {
  it('lists the tools the token allows', async () => {
    const { tools } = (await inspector('--method', 'tools/list')) as { tools: { name: string }[] };
    expect(tools.map((t) => t.name)).toEqual([
      'get_customer_info',
      'get_ticket_status',
      'list_my_tickets',
      'update_phone_number',
      'create_ticket',
      'add_ticket_comment',
    ]);
  });

  it('calls a read tool and gets structured content', async () => {
    const result = await inspector(
      '--method',
      'tools/call',
      '--tool-name',
      'get_ticket_status',
      '--tool-arg',
      'ticket_id=T-1001',
    );
    expect(result.structuredContent).toMatchObject({ ticket_id: 'T-1001', status: 'open' });
  });

  it('gets confirmation_required for a write, and completes it with the state in _meta', async () => {
    const before = dbHash(server);
    const asked = await inspector(
      '--method',
      'tools/call',
      '--tool-name',
      'update_phone_number',
      '--tool-arg',
      'phone=+44 20 7946 0958',
    );
    expect(asked.isError).toBe(true);
    const text = (asked.content as { text: string }[])[0]?.text ?? '{}';
    const err = JSON.parse(text) as { error: string; confirmation: { state: string } };
    expect(err.error).toBe('confirmation_required');
    expect(dbHash(server)).toBe(before);
    const done = await inspector(
      '--method',
      'tools/call',
      '--tool-name',
      'update_phone_number',
      '--tool-arg',
      'phone=+44 20 7946 0958',
      '--tool-metadata',
      `io.deputy/confirmation=${err.confirmation.state}`,
    );
    expect(done.structuredContent).toEqual({
      customer_id: 'cus_alice',
      phone: '+442079460958',
      changed: true,
    });
  });
});
