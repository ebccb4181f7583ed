import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_OPERATOR } from '../../../server/console/plugin.js';
import { runDeputy } from '../../helpers/cli.js';
import { postMcp } from '../../helpers/mcp.js';
import { operatorTokens } from '../../helpers/oauth.js';
import { removeDataDir, startServer, type TestServer } from '../../helpers/server.js';
import { callTool } from '../mcp/support.js';

const SAM = { email: DEMO_OPERATOR.email, password: DEMO_OPERATOR.password };
let server: TestServer;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  server = await startServer();
  env = { ...process.env, DEPUTY_DATA_DIR: server.dataDir, PORT: String(server.port), HOST: '127.0.0.1' };
});
afterAll(async () => {
  await server.close();
  removeDataDir(server.dataDir);
});

const listStatus = async (token: string) =>
  (
    await postMcp(
      server,
      { jsonrpc: '2.0', id: 1, method: 'tools/list' },
      { authorization: `Bearer ${token}` },
    )
  ).status;

describe('npm run deputy -- oauth', () => {
  it('lists clients with the operator of each grant, and revokes a grant, then a client', async () => {
    const a = await operatorTokens(server, SAM);
    const b = await operatorTokens(server, SAM);
    const listed = await runDeputy(env, 'oauth', 'clients', '--json');
    expect(listed.code).toBe(0);
    const clients = listed.stdout
      .trim()
      .split('\n')
      .map(
        (l) =>
          JSON.parse(l) as { client: string; grants: { grant: string; operator: string; site: string }[] },
      );
    const mine = clients.find((c) => c.client === a.clientId);
    expect(mine?.grants).toMatchObject([{ operator: SAM.email, site: 'demo' }]);

    const grant = mine?.grants[0]?.grant ?? '';
    expect((await runDeputy(env, 'oauth', 'revoke', grant)).stdout).toContain(`revoked ${grant}`);
    expect(await listStatus(a.accessToken)).toBe(401);
    expect(await listStatus(b.accessToken)).toBe(200);
    expect((await runDeputy(env, 'oauth', 'revoke', b.clientId)).code).toBe(0);
    expect(await listStatus(b.accessToken)).toBe(401);
    const text = await runDeputy(env, 'oauth', 'clients');
    expect(text.stdout).toContain(`${b.clientId}  "Test client"`);
    expect(text.stdout).toMatch(new RegExp(`${b.clientId}.*revoked`));
  });

  it('refuses a revoke without a well-formed id, with the usage', async () => {
    const r = await runDeputy(env, 'oauth', 'revoke', 'nonsense');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('oauth revoke needs a client id');
  });

  it('shows an operator’s staff calls in the audit log under their email', async () => {
    const { accessToken } = await operatorTokens(server, SAM);
    await callTool(server, accessToken, 'find_customer', { query: 'alice' });
    const r = await runDeputy(env, 'audit', '--sub', SAM.email);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/\(sam@northwind\.example\)\s+mcp_\S+\s+find_customer\s+ok/);
  });
});
