import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadSigningKey } from '../../../server/auth/keys.js';
import { signMcpToken } from '../../../server/auth/mcp-token.js';
import type { LogStream } from '../../../server/logging.js';
import type { Scope } from '../../../shared/scopes.js';
import type { FakeVendor } from '../../fakes/base.js';
import { FakeHubSpot } from '../../fakes/hubspot.js';
import { FakeSalesforce } from '../../fakes/salesforce.js';
import { FakeZendesk } from '../../fakes/zendesk.js';
import { createTestDatabase, postgresAvailable } from '../../helpers/postgres.js';
import { startServer, type TestServer } from '../../helpers/server.js';
import type { StoreKind } from '../../helpers/stores.js';

export type CrmKind = 'embedded' | 'hubspot' | 'salesforce' | 'zendesk';
export const CRM_KINDS: CrmKind[] = ['embedded', 'hubspot', 'salesforce', 'zendesk'];

/**
 * The contract's runs: every CRM on the SQLite store, and the embedded CRM (whose records are in
 * the store) on PostgreSQL too, skipped where PostgreSQL is absent (helpers/stores.ts).
 */
export const CRM_CASES: { name: string; kind: CrmKind; store: StoreKind }[] = [
  ...CRM_KINDS.map((kind) => ({ name: kind, kind, store: 'sqlite' as const })),
  ...(postgresAvailable
    ? [{ name: 'embedded on PostgreSQL', kind: 'embedded' as const, store: 'postgres' as const }]
    : []),
];

/** The same two customers and their tickets in each CRM, under that CRM's own ids. */
export interface CrmFixture {
  kind: CrmKind;
  server: TestServer;
  fake: FakeVendor | null;
  alice: string;
  bob: string;
  aliceEmail: string;
  /** Alice's open ticket (waiting on the team), her closed one, Bob's one, and one that does not exist. */
  aliceTicket: string;
  aliceClosed: string;
  bobTicket: string;
  missingTicket: string;
  /** A customer id the CRM does not have. */
  stranger: string;
  token(sub: string, scopes: Scope[], extra?: { email?: string; site?: string }): Promise<string>;
  /** Alice's phone as the CRM holds it now. */
  phoneOf(id: string): Promise<string | null>;
  /** How many tickets the CRM holds. */
  ticketCount(): Promise<number>;
  close(): Promise<void>;
  /** Stops the server and starts it again on the same data directory and fake (a restart). */
  restart(): Promise<void>;
}

const VISITOR: Scope[] = ['crm.read', 'crm.contact.update.self', 'crm.ticket.create', 'crm.write'];

function siteConfig(crm: Record<string, unknown>) {
  return {
    origins: ['self'],
    keys: [{ type: 'hs256', generate: true }],
    defaultScopes: VISITOR,
    anonymousScopes: ['crm.ticket.create'],
    crm,
  };
}

/** Boots Deputy with one site, `acme`, on the given CRM (a loopback fake for the vendors). */
export async function startCrm(
  kind: CrmKind,
  opts: {
    timeoutMs?: number;
    env?: Record<string, string>;
    identity?: 'sub' | 'email';
    /** An OAuth block used instead of `tokenEnv` (the env must then hold its secrets). */
    oauth?: Record<string, unknown>;
    logStream?: LogStream;
    store?: StoreKind;
    /** The site's `statusMap` (vendor CRMs only). */
    statusMap?: Record<string, string>;
  } = {},
): Promise<CrmFixture> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'deputy-crm-'));
  const fake =
    kind === 'hubspot'
      ? new FakeHubSpot()
      : kind === 'salesforce'
        ? new FakeSalesforce()
        : kind === 'zendesk'
          ? new FakeZendesk()
          : null;
  const baseUrl = fake ? await fake.start() : '';
  const auth = opts.oauth ? { oauth: opts.oauth } : { tokenEnv: 'ACME_CRM_TOKEN' };
  const common = {
    baseUrl,
    ...auth,
    timeoutMs: opts.timeoutMs ?? 1000,
    ...(opts.statusMap ? { statusMap: opts.statusMap } : {}),
  };
  const identity = opts.identity ?? 'sub';
  const crm = kind === 'embedded' ? { type: 'embedded', identity } : { type: kind, ...common, identity };
  const file = path.join(dataDir, 'deputy.config.json');
  writeFileSync(file, JSON.stringify({ sites: { acme: siteConfig(crm) } }));
  const ids = seed(fake);
  const databaseUrl = opts.store === 'postgres' ? (await createTestDatabase()).url : undefined;
  const boot = () =>
    startServer({
      dataDir,
      env: {
        DEPUTY_CONFIG: file,
        DEPUTY_DEMO: '0',
        ACME_CRM_TOKEN: fake?.token ?? '',
        ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
        ...opts.env,
      },
      ...(opts.logStream ? { logStream: opts.logStream } : {}),
    });
  const server = await boot();
  if (kind === 'embedded') await seedEmbedded(server);
  const db = () => fixture.server.app.deputy.store.db;
  const fixture: CrmFixture = {
    kind,
    server,
    fake,
    ...ids,
    async token(sub, scopes, extra = {}) {
      const { url } = fixture.server;
      const key = await loadSigningKey(fixture.server.app.deputy.store.secrets);
      return signMcpToken(
        key,
        { issuer: url, audience: `${url}/mcp` },
        {
          sub,
          scopes,
          client: 'test',
          site: extra.site ?? 'acme',
          ...(extra.email ? { email: extra.email } : {}),
        },
      );
    },
    async phoneOf(id) {
      if (fake instanceof FakeHubSpot) return fake.contacts.get(id)?.props.phone ?? null;
      if (fake instanceof FakeSalesforce) return fake.contacts.get(id)?.Phone ?? null;
      if (fake instanceof FakeZendesk) return fake.users.get(Number(id))?.phone ?? null;
      const row = await db()
        .selectFrom('customers')
        .select('phone')
        .where('site_id', '=', 'acme')
        .where('id', '=', id)
        .executeTakeFirst();
      return row?.phone ?? null;
    },
    async ticketCount() {
      if (fake instanceof FakeHubSpot) return fake.tickets.size;
      if (fake instanceof FakeSalesforce) return fake.cases.size;
      if (fake instanceof FakeZendesk) return fake.tickets.size;
      const row = await db()
        .selectFrom('tickets')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('site_id', '=', 'acme')
        .executeTakeFirstOrThrow();
      return row.n;
    },
    async close() {
      await fixture.server.close();
      await fake?.stop();
    },
    async restart() {
      await fixture.server.close();
      fixture.server = await boot();
    },
  };
  return fixture;
}

type Ids = Pick<
  CrmFixture,
  'alice' | 'bob' | 'aliceEmail' | 'aliceTicket' | 'aliceClosed' | 'bobTicket' | 'missingTicket' | 'stranger'
>;

function seed(fake: FakeVendor | null): Ids {
  const aliceEmail = 'alice@acme.test';
  if (fake instanceof FakeHubSpot) {
    fake.addContact('101', {
      firstname: 'Alice',
      lastname: 'Martin',
      email: aliceEmail,
      phone: '+14155550132',
    });
    fake.addContact('102', { firstname: 'Bob', lastname: 'Chen', email: 'bob@acme.test', phone: null });
    fake.addTicket('5001', '101', 'Order #5512 arrived damaged', '61003', '2026-11-19T14:30:00Z');
    fake.addTicket('5002', '101', 'Refund for order #5388', '61004', '2026-10-06T10:05:00Z');
    fake.addTicket('5101', '102', 'Cannot log in', '61002', '2026-11-21T11:20:00Z');
    return {
      alice: '101',
      bob: '102',
      aliceEmail,
      aliceTicket: '5001',
      aliceClosed: '5002',
      bobTicket: '5101',
      missingTicket: '5999',
      stranger: '999',
    };
  }
  if (fake instanceof FakeSalesforce) {
    fake.addContact('003000000000AAAAA1', 'Alice Martin', aliceEmail, '+14155550132');
    fake.addContact('003000000000BBBBB2', 'Bob Chen', 'bob@acme.test', null);
    fake.addCase(
      '00001026',
      '003000000000AAAAA1',
      'Order #5512 arrived damaged',
      'Working',
      false,
      '2026-11-19T14:30:00.000+0000',
    );
    fake.addCase(
      '00001027',
      '003000000000AAAAA1',
      'Refund for order #5388',
      'Closed',
      true,
      '2026-10-06T10:05:00.000+0000',
    );
    fake.addCase(
      '00001030',
      '003000000000BBBBB2',
      'Cannot log in',
      'New',
      false,
      '2026-11-21T11:20:00.000+0000',
    );
    return {
      alice: '003000000000AAAAA1',
      bob: '003000000000BBBBB2',
      aliceEmail,
      aliceTicket: '00001026',
      aliceClosed: '00001027',
      bobTicket: '00001030',
      missingTicket: '00009999',
      stranger: '003000000000ZZZZZ9',
    };
  }
  if (fake instanceof FakeZendesk) {
    fake.addUser(35436, 'Alice Martin', aliceEmail, '+14155550132');
    fake.addUser(35437, 'Bob Chen', 'bob@acme.test', null);
    fake.addTicket(201, 35436, 'Order #5512 arrived damaged', 'open', '2026-11-19T14:30:00Z');
    fake.addTicket(202, 35436, 'Refund for order #5388', 'closed', '2026-10-06T10:05:00Z');
    fake.addTicket(301, 35437, 'Cannot log in', 'pending', '2026-11-21T11:20:00Z');
    return {
      alice: '35436',
      bob: '35437',
      aliceEmail,
      aliceTicket: '201',
      aliceClosed: '202',
      bobTicket: '301',
      missingTicket: '999',
      stranger: '99999',
    };
  }
  return {
    alice: 'cus_alice',
    bob: 'cus_bob',
    aliceEmail,
    aliceTicket: 'T-1001',
    aliceClosed: 'T-1002',
    bobTicket: 'T-2001',
    missingTicket: 'T-9999',
    stranger: 'cus_nobody',
  };
}

async function seedEmbedded(server: TestServer): Promise<void> {
  const { db } = server.app.deputy.store;
  const at = '2026-09-01';
  await db
    .insertInto('customers')
    .values([
      {
        site_id: 'acme',
        id: 'cus_alice',
        name: 'Alice Martin',
        email: 'alice@acme.test',
        phone: '+14155550132',
        created_at: at,
        updated_at: at,
      },
      {
        site_id: 'acme',
        id: 'cus_bob',
        name: 'Bob Chen',
        email: 'bob@acme.test',
        phone: null,
        created_at: at,
        updated_at: at,
      },
    ])
    .execute();
  const ticket = (
    id: string,
    customer_id: string,
    subject: string,
    status: 'open' | 'closed' | 'pending',
    updated_at: string,
  ) => ({
    site_id: 'acme',
    id,
    customer_id,
    subject,
    description: 'details',
    status,
    priority: 'normal' as const,
    created_at: '2026-10-01T09:00:00Z',
    updated_at,
  });
  await db
    .insertInto('tickets')
    .values([
      ticket('T-1001', 'cus_alice', 'Order #5512 arrived damaged', 'open', '2026-11-19T14:30:00Z'),
      ticket('T-1002', 'cus_alice', 'Refund for order #5388', 'closed', '2026-10-06T10:05:00Z'),
      ticket('T-2001', 'cus_bob', 'Cannot log in', 'pending', '2026-11-21T11:20:00Z'),
    ])
    .execute();
}

export { VISITOR };
