import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSigningKey } from '../../../server/auth/keys.js';
import { signMcpToken } from '../../../server/auth/mcp-token.js';
import { OperatorStore } from '../../../server/console/operators.js';
import { DEMO_OPERATOR } from '../../../server/console/plugin.js';
import { postMcp } from '../../helpers/mcp.js';
import { operatorTokens, tokenRequest } from '../../helpers/oauth.js';
import { removeDataDir, startServer, type TestServer } from '../../helpers/server.js';
import { describeStores } from '../../helpers/stores.js';
import { callTool, crmHash, errorOf, tokenWith, visitor } from '../mcp/support.js';

const SAM = { email: DEMO_OPERATOR.email, password: DEMO_OPERATOR.password };
const SHOP_OP = { email: 'olga@shop.test', password: 'olga-password-1' };
const VISITOR = ['crm.read', 'crm.contact.update.self', 'crm.ticket.create', 'crm.write'];
let server: TestServer;

async function mcp(token: string, method: string, params: Record<string, unknown> = {}) {
  const res = await postMcp(
    server,
    { jsonrpc: '2.0', id: 1, method, params },
    { authorization: `Bearer ${token}` },
  );
  const text = await res.text();
  return {
    status: res.status,
    www: res.headers.get('www-authenticate'),
    body: text ? JSON.parse(text) : null,
  };
}

// On both stores: with PostgreSQL any node answers each step (docs/scaling.md, staff OAuth).
describeStores('staff access', (kind) => {
  beforeAll(async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'deputy-cfg-'));
    const file = path.join(dir, 'deputy.config.json');
    const site = { origins: ['self'], keys: [{ type: 'hs256', generate: true }], defaultScopes: VISITOR };
    writeFileSync(file, JSON.stringify({ sites: { demo: site, shop: site } }));
    server = await startServer({ store: kind, env: { DEPUTY_CONFIG: file } });
    await new OperatorStore(server.app.deputy.store.db).add({
      siteId: 'shop',
      email: SHOP_OP.email,
      name: 'Olga',
      role: 'agent',
      password: SHOP_OP.password,
    });
    await server.app.deputy.store.db
      .insertInto('customers')
      .values({
        site_id: 'shop',
        id: 'cus_shopper',
        name: 'Sid Shopper',
        email: 'sid@shop.test',
        phone: null,
        created_at: '2026-01-01',
        updated_at: '2026-01-01',
      })
      .execute();
  });
  afterAll(async () => {
    await server.close();
    removeDataDir(server.dataDir);
  });

  describe('staff tools are for operator tokens only', () => {
    it('never shows them to a visitor token, which cannot call them either', async () => {
      const token = await visitor(server, 'cus_alice');
      const list = await mcp(token, 'tools/list');
      const names = (list.body.result.tools as { name: string }[]).map((t) => t.name);
      expect(names).not.toContain('find_customer');
      expect(errorOf(await callTool(server, token, 'find_customer', { query: 'alice' })).error).toBe(
        'unknown_tool',
      );
    });

    it('never shows them to a crm.any token minted outside the OAuth flow', async () => {
      const token = await tokenWith(server, {
        sub: 'cli-staff',
        scopes: ['crm.read', 'crm.any'],
        site: 'demo',
      });
      const names = ((await mcp(token, 'tools/list')).body.result.tools as { name: string }[]).map(
        (t) => t.name,
      );
      expect(names).not.toContain('find_customer');
    });

    it('refuses a token with forged operator claims (no such grant): 401 (O5)', async () => {
      const key = await loadSigningKey(server.dataDir);
      const forged = await signMcpToken(
        key,
        { issuer: server.url, audience: `${server.url}/mcp` },
        {
          sub: 'op_nobody',
          scopes: ['crm.read', 'crm.any'],
          site: 'demo',
          operator: { role: 'admin', grant: 'gr_AAAAAAAAAAAAAAAA' },
        },
      );
      const res = await mcp(forged, 'tools/list');
      expect(res.status).toBe(401);
      expect(res.www).toContain('invalid_token');
    });

    it('refuses an operator token for another resource: 401 with WWW-Authenticate (O5)', async () => {
      const key = await loadSigningKey(server.dataDir);
      const { accessToken } = await operatorTokens(server, SAM);
      const claims = JSON.parse(Buffer.from(accessToken.split('.')[1] ?? '', 'base64url').toString()) as {
        sub: string;
        gid: string;
      };
      const other = await signMcpToken(
        key,
        { issuer: server.url, audience: 'https://other.example/mcp' },
        {
          sub: claims.sub,
          scopes: ['crm.read', 'crm.any'],
          site: 'demo',
          operator: { role: 'admin', grant: claims.gid },
        },
      );
      const res = await mcp(other, 'tools/list');
      expect(res.status).toBe(401);
      expect(res.www).toMatch(/^Bearer error="invalid_token".*resource_metadata=/);
    });
  });

  describe('an operator reaches their own site only', () => {
    it('finds only the shop’s customers and none of the demo site’s records', async () => {
      const { accessToken } = await operatorTokens(server, SHOP_OP);
      const before = await crmHash(server);
      const ids = async (query: string) =>
        (
          (await callTool(server, accessToken, 'find_customer', { query })).structuredContent as {
            customers: { customer_id: string }[];
          }
        ).customers.map((c) => c.customer_id);
      // alice@example.com and bob@example.com are the demo site's: the shop operator finds neither.
      expect(await ids('example.com')).toEqual([]);
      expect(await ids('SHOP')).toEqual(['cus_shopper']);
      expect(
        errorOf(await callTool(server, accessToken, 'get_customer_profile', { customer_id: 'cus_alice' }))
          .error,
      ).toBe('not_found');
      expect(
        errorOf(await callTool(server, accessToken, 'get_ticket_details', { ticket_id: 'T-1001' })).error,
      ).toBe('not_found');
      expect(
        errorOf(
          await callTool(server, accessToken, 'set_ticket_status', { ticket_id: 'T-1001', status: 'closed' }),
        ).error,
      ).toBe('not_found');
      const read = await mcp(accessToken, 'resources/read', { uri: 'deputy://customers/cus_alice' });
      expect(read.body.error.code).toBe(-32002);
      expect(await crmHash(server)).toBe(before);
    });

    it('audits every staff call and read with the operator as subject and their site', async () => {
      const { accessToken, clientId } = await operatorTokens(server, SHOP_OP);
      await callTool(server, accessToken, 'list_handoff_queue', {});
      await mcp(accessToken, 'resources/read', { uri: 'deputy://customers/cus_shopper/tickets' });
      const db = server.app.deputy.store.db;
      const olga = (
        await db.selectFrom('operators').select('id').where('email', '=', SHOP_OP.email).executeTakeFirst()
      )?.id;
      const audit = await db
        .selectFrom('audit_log')
        .select(['sub', 'client', 'tool', 'site_id'])
        .where('client', '=', clientId)
        .orderBy('id')
        .execute();
      expect(audit).toEqual([
        { sub: olga, client: clientId, tool: 'list_handoff_queue', site_id: 'shop' },
        { sub: olga, client: clientId, tool: 'resource:customer_tickets', site_id: 'shop' },
      ]);
    });
  });

  describe('staff resources', () => {
    it('lists templates and reads a customer and their tickets', async () => {
      const { accessToken } = await operatorTokens(server, SAM);
      const templates = await mcp(accessToken, 'resources/templates/list');
      expect(
        (templates.body.result.resourceTemplates as { uriTemplate: string }[]).map((t) => t.uriTemplate),
      ).toEqual(['deputy://customers/{customer_id}', 'deputy://customers/{customer_id}/tickets']);
      const profile = await mcp(accessToken, 'resources/read', { uri: 'deputy://customers/cus_alice' });
      expect(JSON.parse(profile.body.result.contents[0].text)).toMatchObject({
        customer_id: 'cus_alice',
        name: 'Alice Martin',
      });
      const tickets = await mcp(accessToken, 'resources/read', {
        uri: 'deputy://customers/cus_alice/tickets',
      });
      expect(JSON.parse(tickets.body.result.contents[0].text).tickets.length).toBeGreaterThan(0);
      const list = await mcp(accessToken, 'resources/list');
      expect(Array.isArray(list.body.result.resources)).toBe(true);
    });
  });

  describe('revocation', () => {
    it('revokes a grant by its refresh token (RFC 7009): refresh and access tokens stop at once', async () => {
      const { accessToken, refreshToken, clientId } = await operatorTokens(server, SAM);
      expect((await mcp(accessToken, 'tools/list')).status).toBe(200);
      const res = await fetch(`${server.url}/oauth/revoke`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          token: refreshToken,
          client_id: clientId,
          token_type_hint: 'refresh_token',
        }).toString(),
      });
      expect(res.status).toBe(200);
      expect((await mcp(accessToken, 'tools/list')).status).toBe(401);
      expect(
        await tokenRequest(server, {
          grant_type: 'refresh_token',
          refresh_token: refreshToken,
          client_id: clientId,
        }),
      ).toMatchObject({
        status: 400,
        body: { error: 'invalid_grant' },
      });
    });

    it('revokes by access token too, and answers 200 for an unknown token', async () => {
      const { accessToken, clientId } = await operatorTokens(server, SAM);
      const revoke = (token: string) =>
        fetch(`${server.url}/oauth/revoke`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({ token, client_id: clientId }).toString(),
        });
      expect((await revoke('dpy_rt_unknown')).status).toBe(200);
      expect((await mcp(accessToken, 'tools/list')).status).toBe(200);
      expect((await revoke(accessToken)).status).toBe(200);
      expect((await mcp(accessToken, 'tools/list')).status).toBe(401);
    });

    it('stops an operator’s tokens when the operator is removed', async () => {
      const ops = new OperatorStore(server.app.deputy.store.db);
      await ops.add({
        siteId: 'demo',
        email: 'temp@northwind.example',
        name: 'Temp',
        role: 'agent',
        password: 'temp-password-1',
      });
      const { accessToken } = await operatorTokens(server, {
        email: 'temp@northwind.example',
        password: 'temp-password-1',
      });
      expect((await mcp(accessToken, 'tools/list')).status).toBe(200);
      await ops.remove('demo', 'temp@northwind.example');
      expect((await mcp(accessToken, 'tools/list')).status).toBe(401);
    });

    it('revokes an operator’s grants when their password is reset', async () => {
      const { accessToken, refreshToken, clientId } = await operatorTokens(server, SHOP_OP);
      await new OperatorStore(server.app.deputy.store.db).resetPassword(
        'shop',
        SHOP_OP.email,
        SHOP_OP.password,
      );
      expect((await mcp(accessToken, 'tools/list')).status).toBe(401);
      expect(
        await tokenRequest(server, {
          grant_type: 'refresh_token',
          refresh_token: refreshToken,
          client_id: clientId,
        }),
      ).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
    });
  });
});
