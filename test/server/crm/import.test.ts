import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSigningKey } from '../../../server/auth/keys.js';
import { openStore } from '../../../server/store/db.js';
import { FakeHubSpot } from '../../fakes/hubspot.js';
import { runDeputy } from '../../helpers/cli.js';
import { sqliteOf } from '../../helpers/stores.js';

const dir = mkdtempSync(path.join(tmpdir(), 'deputy-import-'));
const dataDir = path.join(dir, 'data');
const config = path.join(dir, 'deputy.config.json');
let hubspot: FakeHubSpot;

function file(name: string, text: string): string {
  const p = path.join(dir, name);
  writeFileSync(p, text);
  return p;
}

/** The CLI with this file's config and data directory, plus `env` (test/helpers/cli.ts). */
const deputy = (env: Record<string, string>, ...args: string[]) =>
  runDeputy(
    {
      ...process.env,
      DEPUTY_DATA_DIR: dataDir,
      DEPUTY_CONFIG: config,
      LOG_LEVEL: 'silent',
      HUB_TOKEN: hubspot.token,
      ...env,
    },
    ...args,
  );

async function rows(sql: string): Promise<unknown[]> {
  const store = await openStore(dataDir);
  try {
    return sqliteOf(store).prepare(sql).all();
  } finally {
    await store.close();
  }
}

beforeAll(async () => {
  hubspot = new FakeHubSpot();
  const url = await hubspot.start();
  const site = { origins: ['self'], keys: [{ type: 'hs256', secret: 'x'.repeat(32) }], phoneCountry: 'GB' };
  writeFileSync(
    config,
    JSON.stringify({
      sites: {
        acme: site,
        hub: { ...site, crm: { type: 'hubspot', baseUrl: url, tokenEnv: 'HUB_TOKEN', timeoutMs: 500 } },
      },
    }),
  );
  // The CLI works on the server's data directory and never creates one: make it as a first start does.
  await (await openStore(dataDir)).close();
  await loadSigningKey(dataDir);
});
afterAll(async () => {
  await hubspot.stop();
});

describe('deputy import', () => {
  const customers = file(
    'customers.csv',
    'customer_id,name,email,phone\r\nacme-1,"Martin, Alice",alice@acme.test,020 7946 0018\nacme-2,Bob Chen,BOB@acme.test,\n',
  );
  const tickets = file(
    'tickets.json',
    JSON.stringify([
      {
        ticket_id: 'T-1',
        customer_id: 'acme-1',
        subject: 'Broken lid',
        status: 'pending',
        created_at: '2026-11-01T10:00:00Z',
      },
    ]),
  );

  it('loads CSV customers (phones to E.164) and JSON tickets into the site, and a re-run changes nothing', async () => {
    const first = await deputy({}, 'import', '--site', 'acme', customers, tickets);
    expect(first.code).toBe(0);
    expect(first.stdout).toContain('customers 2 added, 0 updated, 0 unchanged; tickets 1 added');
    expect(
      await rows("select id, name, email, phone from customers where site_id = 'acme' order by id"),
    ).toEqual([
      { id: 'acme-1', name: 'Martin, Alice', email: 'alice@acme.test', phone: '+442079460018' },
      { id: 'acme-2', name: 'Bob Chen', email: 'bob@acme.test', phone: null },
    ]);
    const again = await deputy({}, 'import', '--site', 'acme', customers, tickets);
    expect(again.stdout).toContain(
      'customers 0 added, 0 updated, 2 unchanged; tickets 0 added, 0 updated, 1 unchanged',
    );
  });

  it('names each bad row and field, and writes nothing', async () => {
    const bad = file(
      'bad.csv',
      'customer_id,name,email,phone\nacme-3,Carol,not-an-email,+44 20 7946 0019\nacme 4,,dan@acme.test,12\n',
    );
    const orphan = file('orphan.csv', 'ticket_id,customer_id,subject\nT-9,nobody,Hello\nX-1,acme-1,Hi\n');
    const res = await deputy({}, 'import', '--site', 'acme', bad, orphan);
    expect(res.code).toBe(1);
    expect(res.stderr).toContain('bad.csv row 2: email: is not an email address');
    expect(res.stderr).toContain('bad.csv row 3: customer_id:');
    expect(res.stderr).toContain('bad.csv row 3: name:');
    expect(res.stderr).toContain('orphan.csv row 3: ticket_id: must look like T-1234');
    expect(res.stderr).toContain('ticket T-9: customer_id: no customer nobody');
    expect(res.stderr).toContain('nothing was imported');
    expect(await rows("select id from customers where site_id = 'acme'")).toHaveLength(2);
  });

  it('refuses a site on another CRM', async () => {
    const res = await deputy({ HUB_TOKEN: hubspot.token }, 'import', '--site', 'hub', customers);
    expect(res.code).toBe(1);
    expect(res.stderr).toContain('uses the hubspot CRM');
  });
});

describe('deputy crm check', () => {
  it('passes when the CRM answers with the token, and fails naming the vendor code when it does not', async () => {
    const good = await deputy({ HUB_TOKEN: hubspot.token }, 'crm', 'check', '--site', 'hub');
    expect(good.code).toBe(0);
    expect(good.stdout).toContain('ok    read ticket pipeline stages');
    const bad = await deputy({ HUB_TOKEN: 'wrong-token' }, 'crm', 'check', '--site', 'hub');
    expect(bad.code).toBe(1);
    expect(bad.stdout).toContain('FAIL  read a contact by id: auth (INVALID_AUTHENTICATION) HTTP 401');
  });

  it('token mcp defaults --site to the site a token without one would mean, and says what it used', async () => {
    const res = await deputy({ HUB_TOKEN: 'x' }, 'token', 'mcp', '--sub', 'acme-1', '--scope', 'crm.read');
    expect(res.code).toBe(1);
    expect(res.stderr).toContain('--site must be one of: acme, hub (got "demo")');
    const ok = await deputy(
      { HUB_TOKEN: 'x' },
      'token',
      'mcp',
      '--site',
      'hub',
      '--sub',
      '101',
      '--scope',
      'crm.read',
    );
    expect(ok.code).toBe(0);
    expect(ok.stderr).toContain('token for site hub');
    const claims = JSON.parse(Buffer.from(ok.stdout.trim().split('.')[1] ?? '', 'base64url').toString());
    expect(claims.site).toBe('hub');
  });
});
