import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeDataDir, startServer, type TestServer } from '../../helpers/server.js';
import { sqliteOf } from '../../helpers/stores.js';
import { ALL_VISITOR_SCOPES, callTool, confirmAndCall, dbHash, errorOf, tokenWith } from './support.js';

let server: TestServer;

beforeAll(async () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'deputy-test-'));
  const site = (phoneCountry: string) => ({
    origins: ['self'],
    keys: [{ type: 'hs256', generate: true }],
    defaultScopes: ALL_VISITOR_SCOPES,
    anonymousScopes: ['crm.ticket.create'],
    phoneCountry,
  });
  const file = path.join(dataDir, 'deputy.config.json');
  writeFileSync(file, JSON.stringify({ sites: { demo: site('US'), 'shop-uk': site('GB') } }));
  server = await startServer({ dataDir, env: { DEPUTY_CONFIG: file } });
  // Each site has its own customers: the UK shop's Bob is its own record.
  sqliteOf(server.app.deputy.store)
    .prepare(
      "insert into customers (site_id, id, name, email, phone, created_at, updated_at) values ('shop-uk', 'cus_bob', 'Bob Chen', 'bob@example.com', '+442079460958', '2026-01-01', '2026-01-01')",
    )
    .run();
});
afterAll(async () => {
  await server.close();
  removeDataDir(server.dataDir);
});

describe("phone numbers take the site's default country", () => {
  it('reads a national number as British on a GB site and as American on a US site', async () => {
    const uk = await tokenWith(server, { sub: 'cus_bob', scopes: ALL_VISITOR_SCOPES, site: 'shop-uk' });
    const asked = errorOf(await callTool(server, uk, 'update_phone_number', { phone: '020 7946 0018' }));
    expect(asked.message).toBe('Change your phone from •••• 0958 to +44 20 7946 0018?');
    const us = await tokenWith(server, { sub: 'cus_alice', scopes: ALL_VISITOR_SCOPES, site: 'demo' });
    const { done } = await confirmAndCall(server, us, 'update_phone_number', { phone: '(212) 555-0100' });
    expect(done.structuredContent).toMatchObject({ phone: '+12125550100' });
  });

  it('falls back to the demo site (US) for a token without a site', async () => {
    const token = await tokenWith(server, { sub: 'cus_alice', scopes: ALL_VISITOR_SCOPES });
    const asked = errorOf(await callTool(server, token, 'update_phone_number', { phone: '(646) 555-0100' }));
    expect(asked.message).toContain('+1 646 555 0100');
  });

  it('answers crm_unavailable for a token naming a site this server does not serve', async () => {
    const token = await tokenWith(server, { sub: 'cus_alice', scopes: ALL_VISITOR_SCOPES, site: 'nope' });
    const before = dbHash(server);
    const res = errorOf(await callTool(server, token, 'update_phone_number', { phone: '(646) 555-0100' }));
    expect(res.error).toBe('crm_unavailable');
    expect(dbHash(server)).toBe(before);
  });

  it('F3: refuses 07700 900123 (possible but not a valid number) on a GB site', async () => {
    const uk = await tokenWith(server, { sub: 'cus_bob', scopes: ALL_VISITOR_SCOPES, site: 'shop-uk' });
    const before = dbHash(server);
    const res = errorOf(await callTool(server, uk, 'update_phone_number', { phone: '07700 900123' }));
    expect(res.error).toBe('invalid_phone');
    expect(res.message).toContain('double-check');
    expect(dbHash(server)).toBe(before);
  });
});
