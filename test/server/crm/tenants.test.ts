import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signVisitorToken } from '../../../server/auth/visitor-token.js';
import { loadConfig } from '../../../server/sites/load.js';
import { readyMessage } from '../../../server/sites/ready.js';
import { removeDataDir, startServer, type TestServer } from '../../helpers/server.js';
import { sqliteOf } from '../../helpers/stores.js';
import { visitorToken } from '../../helpers/tokens.js';
import { ask, TestSocket } from '../../helpers/ws-client.js';
import { callTool, errorOf, rows, tokenWith } from '../mcp/support.js';
import { VISITOR } from './harness.js';

const SHOP_SECRET = 'shop-secret-of-at-least-32-characters!!';

function writeConfig(sites: Record<string, unknown>): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'deputy-cfg-'));
  const file = path.join(dir, 'deputy.config.json');
  writeFileSync(file, JSON.stringify({ sites }));
  return file;
}

const demoSite = {
  origins: ['self'],
  keys: [{ type: 'hs256', generate: true }],
  defaultScopes: VISITOR,
  anonymousScopes: ['crm.ticket.create'],
};
const shopSite = {
  origins: ['self'],
  keys: [{ type: 'hs256', secret: SHOP_SECRET }],
  defaultScopes: VISITOR,
};

describe('the same sub on two sites', () => {
  let server: TestServer;
  beforeAll(async () => {
    const file = writeConfig({ demo: demoSite, shop: shopSite });
    server = await startServer({ env: { DEPUTY_CONFIG: file } });
    sqliteOf(server.app.deputy.store)
      .prepare(
        "insert into customers (site_id, id, name, email, phone, created_at, updated_at) values ('shop', 'cus_alice', 'Alice of the Shop', 'alice@shop.test', null, '2026-01-01', '2026-01-01')",
      )
      .run();
  });
  afterAll(async () => {
    await server.close();
    removeDataDir(server.dataDir);
  });

  it('over /mcp: sees only its own site’s record and none of the other site’s tickets', async () => {
    const shop = await tokenWith(server, { sub: 'cus_alice', scopes: VISITOR, site: 'shop' });
    const info = await callTool(server, shop, 'get_customer_info', {});
    expect(info.structuredContent).toMatchObject({ name: 'Alice of the Shop', email: 'alice@shop.test' });
    expect(errorOf(await callTool(server, shop, 'get_ticket_status', { ticket_id: 'T-1001' })).error).toBe(
      'not_found',
    );
    const list = await callTool(server, shop, 'list_my_tickets', {});
    expect(list.structuredContent).toMatchObject({ tickets: [], count: 0 });
    const demo = await tokenWith(server, { sub: 'cus_alice', scopes: VISITOR, site: 'demo' });
    expect((await callTool(server, demo, 'get_customer_info', {})).structuredContent).toMatchObject({
      name: 'Alice Martin',
    });
    const audit = rows<{ site_id: string }>(server, "select site_id from audit_log where sub = 'cus_alice'");
    expect(new Set(audit.map((r) => r.site_id))).toEqual(new Set(['shop', 'demo']));
  });

  it('in the chat: a shop visitor asking about the demo site’s T-1001 learns nothing of it', async () => {
    const socket = await TestSocket.open(server.url, { site: 'shop' });
    const token = await signVisitorToken({
      secret: new TextEncoder().encode(SHOP_SECRET),
      site: 'shop',
      audience: 'deputy',
      sub: 'cus_alice',
    });
    socket.send({ type: 'hello', v: 1, site: 'shop', token });
    await socket.next('welcome');
    const reply = await ask(socket, "What's the status of ticket T-1001?");
    expect(reply.text).not.toContain('Order #5512');
    expect(reply.text).not.toMatch(/\bopen\b/);
    socket.close();
  });

  it('in the chat: a demo conversation id resumed with the shop token of the same sub is not resumed (T3)', async () => {
    const demo = await TestSocket.open(server.url);
    demo.send({ type: 'hello', v: 1, site: 'demo', token: await visitorToken(server.dataDir, 'cus_alice') });
    const first = await demo.next('welcome');
    await ask(demo, "What's the status of ticket T-1001?");
    demo.close();
    const shop = await TestSocket.open(server.url, { site: 'shop' });
    const token = await signVisitorToken({
      secret: new TextEncoder().encode(SHOP_SECRET),
      site: 'shop',
      audience: 'deputy',
      sub: 'cus_alice',
    });
    shop.send({ type: 'hello', v: 1, site: 'shop', token, conversationId: first.conversationId, lastSeq: 0 });
    await shop.next('error', (e) => e.code === 'conversation_not_found');
    const welcome = await shop.next('welcome');
    expect(welcome.conversationId).not.toBe(first.conversationId);
    expect(shop.frames.some((f) => f.type === 'message')).toBe(false);
    shop.close();
  });
});

describe('no demo data outside the demo', () => {
  it('a fresh data directory with a non-demo config holds no customers, and the ready line names no demo logins', async () => {
    const file = writeConfig({ acme: shopSite });
    const server = await startServer({ env: { DEPUTY_CONFIG: file } });
    try {
      expect(rows(server, 'select * from customers')).toEqual([]);
      expect(rows(server, 'select * from tickets')).toEqual([]);
      const msg = readyMessage(server.app.deputy.config, server.url);
      expect(msg).toContain('acme (embedded CRM)');
      expect(msg).not.toContain('demo logins');
    } finally {
      await server.close();
      removeDataDir(server.dataDir);
    }
  });

  it('a demo site with DEPUTY_DEMO=0 is not seeded either', async () => {
    const server = await startServer({
      env: { DEPUTY_CONFIG: writeConfig({ demo: demoSite }), DEPUTY_DEMO: '0' },
    });
    try {
      expect(rows(server, 'select * from customers')).toEqual([]);
    } finally {
      await server.close();
      removeDataDir(server.dataDir);
    }
  });

  it('the default configuration is still the demo, and says so', async () => {
    const server = await startServer();
    try {
      expect(
        rows<{ id: string }>(server, "select id from customers where site_id = 'demo'").map((r) => r.id),
      ).toEqual(['cus_alice', 'cus_bob']);
      expect(readyMessage(server.app.deputy.config, server.url)).toContain('demo logins');
    } finally {
      await server.close();
      removeDataDir(server.dataDir);
    }
  });
});

describe('boot refuses a bad CRM configuration, naming the field', () => {
  const env = (file: string, extra: Record<string, string> = {}) => ({ DEPUTY_CONFIG: file, ...extra });
  const site = (crm: unknown) => ({ acme: { ...shopSite, crm } });

  it('an unknown CRM type', async () => {
    await expect(loadConfig(env(writeConfig(site({ type: 'pipedrive' }))))).rejects.toThrow(
      /sites\.acme\.crm/,
    );
  });

  it('a token variable that is not set', async () => {
    const file = writeConfig(
      site({ type: 'hubspot', baseUrl: 'https://api.hubapi.com', tokenEnv: 'ACME_HS_TOKEN' }),
    );
    await expect(loadConfig(env(file))).rejects.toThrow(
      /sites\.acme\.crm\.tokenEnv: environment variable ACME_HS_TOKEN is not set/,
    );
    await expect(loadConfig(env(file, { ACME_HS_TOKEN: 'x' }))).resolves.toBeDefined();
  });

  it('a non-https baseUrl outside loopback', async () => {
    const file = writeConfig(site({ type: 'zendesk', baseUrl: 'http://acme.zendesk.com', tokenEnv: 'ZD' }));
    await expect(loadConfig(env(file, { ZD: 'x' }))).rejects.toThrow(
      /sites\.acme\.crm\.baseUrl: must be an https URL/,
    );
  });

  it('a secret written into the file instead of an environment variable name', async () => {
    const file = writeConfig(
      site({ type: 'hubspot', baseUrl: 'https://api.hubapi.com', tokenEnv: 'pat-na1-1234' }),
    );
    await expect(loadConfig(env(file))).rejects.toThrow(/sites\.acme\.crm\.tokenEnv/);
  });
});
