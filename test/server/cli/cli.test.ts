import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSigningKey } from '../../../server/auth/keys.js';
import { signMcpToken } from '../../../server/auth/mcp-token.js';
import { verifyVisitorToken } from '../../../server/auth/visitor-token.js';
import { loadConfig } from '../../../server/sites/load.js';
import { runDeputy } from '../../helpers/cli.js';
import { removeDataDir, startServer, type TestServer } from '../../helpers/server.js';
import { callTool, errorOf } from '../mcp/support.js';

const exec = promisify(execFile);
const TSX = 'node_modules/.bin/tsx';

let server: TestServer;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  server = await startServer();
  env = {
    ...process.env,
    DEPUTY_DATA_DIR: server.dataDir,
    HOST: '127.0.0.1',
    PORT: String(server.port),
    LOG_LEVEL: 'warn',
  };
});
afterAll(async () => {
  await server.close();
  removeDataDir(server.dataDir);
});

/** Runs a CLI command in this process with the server's settings (test/helpers/cli.ts). */
const deputy = (...args: string[]) => runDeputy(env, ...args);

describe('npm run deputy -- token', () => {
  it('token mcp prints a token the server accepts, with exactly the scopes asked for', async () => {
    const { code, stdout } = await deputy(
      'token',
      'mcp',
      '--sub',
      'cus_alice',
      '--scope',
      'crm.read admin *',
      '--ttl',
      '2m',
    );
    expect(code).toBe(0);
    const token = stdout.trim();
    expect(decodeProtectedHeader(token)).toMatchObject({ alg: 'EdDSA', typ: 'at+jwt' });
    const claims = decodeJwt(token);
    expect(claims).toMatchObject({
      sub: 'cus_alice',
      scope: 'crm.read',
      aud: `${server.url}/mcp`,
      iss: server.url,
    });
    expect((claims.exp ?? 0) - (claims.iat ?? 0)).toBe(120);
    const res = await callTool(server, token, 'get_customer_info', {});
    expect(res.structuredContent).toMatchObject({ customer_id: 'cus_alice' });
    expect(
      errorOf(await callTool(server, token, 'create_ticket', { subject: 'abc', description: 'x' })).error,
    ).toBe('insufficient_scope');
  });

  it('token mcp refuses a lifetime over 5 minutes, no scope, or no subject, with the usage', async () => {
    for (const args of [
      ['--sub', 'x', '--scope', 'crm.read', '--ttl', '1h'],
      ['--sub', 'x', '--scope', 'admin'],
      ['--scope', 'crm.read'],
      ['--sub', 'x', '--scope', 'crm.read', '--bogus'],
    ]) {
      const { code, stderr } = await deputy('token', 'mcp', ...args);
      expect(code).toBe(2);
      expect(stderr).toContain('usage: npm run deputy');
    }
  });

  it('token visitor prints a token for a configured site that the site verifies', async () => {
    const { code, stdout } = await deputy(
      'token',
      'visitor',
      '--site',
      'demo',
      '--sub',
      'cus_bob',
      '--scope',
      'crm.read',
    );
    expect(code).toBe(0);
    const config = await loadConfig(env);
    const site = config.sites.get('demo');
    if (!site) throw new Error('no demo site');
    const verified = await verifyVisitorToken(site, stdout.trim(), config.visitorAudience);
    expect(verified).toMatchObject({ ok: true, identity: { sub: 'cus_bob', scopes: ['crm.read'] } });
    const unknown = await deputy('token', 'visitor', '--site', 'nope', '--sub', 'cus_bob');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('--site must be one of: demo');
  });
});

describe('npm run deputy -- audit', () => {
  it('prints the audit log, filtered by subject and time, with arguments masked', async () => {
    const { stdout: token } = await deputy(
      'token',
      'mcp',
      '--sub',
      'cus_bob',
      '--scope',
      'crm.read crm.write',
    );
    await callTool(server, token.trim(), 'update_phone_number', { phone: '+1 212 555 0177' });
    await callTool(server, token.trim(), 'get_ticket_status', { ticket_id: 'T-2001' });
    const all = await deputy('audit', '--sub', 'cus_bob');
    expect(all.code).toBe(0);
    const lines = all.stdout.trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toContain('update_phone_number');
    expect(lines[0]).toContain('confirmation_required');
    expect(lines[0]).toContain('0177');
    expect(lines[0]).not.toContain('555 0177');
    expect(lines[1]).toContain('get_ticket_status');
    expect(all.stderr).toContain('2 entries');
    const json = await deputy('audit', '--sub', 'cus_bob', '--json');
    expect(JSON.parse(json.stdout.trim().split('\n')[1] ?? '{}')).toMatchObject({
      tool: 'get_ticket_status',
      outcome: 'ok',
    });
    const future = await deputy('audit', '--since', '2999-01-01T00:00:00Z');
    expect(future.stdout).toBe('');
    expect(future.stderr).toContain('0 entries');
    expect((await deputy('audit', '--since', 'yesterday')).code).toBe(2);
  });
});

describe('npm run deputy -- mcp', () => {
  let child: ChildProcess | undefined;
  afterAll(() => {
    child?.kill('SIGTERM');
  });

  it('runs the MCP server alone on MCP_PORT, accepting tokens the backend issues', async () => {
    child = spawn(TSX, ['server/cli.ts', 'mcp'], {
      env: { ...env, MCP_PORT: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('the MCP server did not start')), 80_000);
      let out = '';
      child?.stdout?.on('data', (d) => {
        out += String(d);
        const m = /listening on (http:\/\/\S+\/mcp)/.exec(out);
        if (m?.[1]) {
          clearTimeout(timer);
          resolve(m[1]);
        }
      });
    });
    const key = await loadSigningKey(server.dataDir);
    const token = await signMcpToken(
      key,
      { issuer: server.url, audience: url },
      { sub: 'cus_alice', scopes: ['crm.read'], client: 'staff-tool' },
    );
    const client = new Client({ name: 'test', version: '0' });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(url), {
        requestInit: { headers: { authorization: `Bearer ${token}` } },
      }),
    );
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name)).toEqual(['get_customer_info', 'get_ticket_status', 'list_my_tickets']);
    const res = await client.callTool({ name: 'get_ticket_status', arguments: { ticket_id: 'T-1001' } });
    expect(res.structuredContent).toMatchObject({ ticket_id: 'T-1001' });
    await client.close();
    // A token minted for the chat backend's own /mcp is for another audience here.
    const wrongAud = await fetch(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        authorization: `Bearer ${await signMcpToken(key, { issuer: server.url, audience: `${server.url}/mcp` }, { sub: 'cus_alice', scopes: ['crm.read'] })}`,
      },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
    });
    expect(wrongAud.status).toBe(401);
    const exited = new Promise<number | null>((resolve) => child?.once('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    child = undefined;
  }, 90_000);

  it('works as the npm script entry point', async () => {
    const { stdout } = await exec(
      TSX,
      ['server/cli.ts', 'token', 'mcp', '--sub', 'cus_alice', '--scope', 'crm.read'],
      {
        env,
        timeout: 80_000,
      },
    );
    expect(decodeJwt(stdout.trim())).toMatchObject({ sub: 'cus_alice', scope: 'crm.read' });
  }, 90_000);

  it('prints the usage with exit code 2 for an unknown command', async () => {
    const { code, stderr } = await deputy('frobnicate');
    expect(code).toBe(2);
    expect(stderr).toContain('token mcp');
  });
});
