import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootApp } from '../../../server/boot.js';
import { EmbeddedCrm } from '../../../server/crm/embedded.js';
import { reserveTicketNumbers } from '../../../server/crm/ticket-numbers.js';
import { latestConversationFinder } from '../../../server/gateway/continuity.js';
import { ConversationStore } from '../../../server/store/conversations.js';
import { openConfiguredStore } from '../../../server/store/db.js';
import { migrations } from '../../../server/store/migrations/index.js';
import { databaseSecrets, storedSecret } from '../../../server/store/secrets.js';
import { isEmpty, seedDemo } from '../../../server/store/seed.js';
import { createTestDatabase, postgresAvailable } from '../../helpers/postgres.js';
import { describeStores, openTestStore, type TestStore } from '../../helpers/stores.js';

describeStores('store', (kind) => {
  let t: TestStore;
  beforeAll(async () => {
    t = await openTestStore(kind);
    await seedDemo(t.store);
  });
  afterAll(() => t.dispose());

  it('runs every migration and records each once', async () => {
    const rows = await sql<{ name: string }>`select name from kysely_migration order by name`.execute(
      t.store.db,
    );
    expect(rows.rows.map((r) => r.name)).toEqual(Object.keys(migrations));
  });

  it('answers the readiness ping and counts statements', async () => {
    const before = t.store.statements();
    expect(await t.store.ping()).toBe(true);
    await t.store.db.selectFrom('customers').select('id').execute();
    expect(t.store.statements()).toBeGreaterThan(before);
  });

  it('returns counts, ids and 64-bit columns as numbers', async () => {
    const n = await t.store.db
      .selectFrom('customers')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    expect(n.n).toBe(2);
    const c = await t.store.db.selectFrom('ticket_comments').select('id').executeTakeFirstOrThrow();
    expect(typeof c.id).toBe('number');
    await t.store.db
      .insertInto('operators')
      .values({
        id: 'op1',
        site_id: 'demo',
        email: 'a@x',
        name: 'A',
        role: 'agent',
        password_hash: 'x',
        created_at: 'now',
      })
      .execute();
    const ms = Date.now() + 86_400_000;
    await t.store.db
      .insertInto('operator_sessions')
      .values({ id_hash: 'h', operator_id: 'op1', csrf: 'c', expires_at: ms, created_at: 'now' })
      .execute();
    const s = await t.store.db.selectFrom('operator_sessions').select('expires_at').executeTakeFirstOrThrow();
    expect(s.expires_at).toBe(ms);
    expect(await isEmpty(t.store)).toBe(false);
  });

  it('numbers new tickets from a counter: 3001 first, then above anything imported', async () => {
    const crm = new EmbeddedCrm(t.store.db, 'demo');
    const base = { customerId: 'cus_alice', priority: 'normal' as const, dedupeWindowMs: 0 };
    const a = await crm.createTicket({ ...base, subject: 'a', description: 'a' });
    const b = await crm.createTicket({ ...base, subject: 'b', description: 'b' });
    expect([a.ticket.id, b.ticket.id]).toEqual(['T-3001', 'T-3002']);
    await reserveTicketNumbers(t.store.db, 'demo', ['T-5000', 'T-4000']);
    expect((await crm.createTicket({ ...base, subject: 'c', description: 'c' })).ticket.id).toBe('T-5001');
    // An imported id the counter did not know about is skipped, not overwritten.
    await t.store.db
      .insertInto('tickets')
      .values({
        site_id: 'demo',
        id: 'T-5002',
        customer_id: 'cus_bob',
        subject: 'x',
        description: 'x',
        status: 'open',
        priority: 'low',
        created_at: 'now',
        updated_at: 'now',
      })
      .execute();
    expect((await crm.createTicket({ ...base, subject: 'd', description: 'd' })).ticket.id).toBe('T-5003');
  });

  it('gives concurrent creates distinct numbers', async () => {
    const crm = new EmbeddedCrm(t.store.db, 'other');
    await t.store.db
      .insertInto('customers')
      .values({
        site_id: 'other',
        id: 'c1',
        name: 'C',
        email: 'c@x',
        phone: null,
        created_at: 'now',
        updated_at: 'now',
      })
      .execute();
    const made = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        crm.createTicket({
          customerId: 'c1',
          priority: 'normal',
          dedupeWindowMs: 0,
          subject: `s${i}`,
          description: 'x',
        }),
      ),
    );
    const ids = made.map((m) => m.ticket.id).sort();
    expect(new Set(ids).size).toBe(8);
    expect(ids[0]).toBe('T-3001');
  });

  it('appends messages with gapless sequence numbers and stores a resent one once', async () => {
    const conv = new ConversationStore(t.store.db);
    const c = await conv.create('demo', 'cus_alice');
    const [m1, m2, dup] = await Promise.all([
      conv.append(c.id, { role: 'visitor', text: 'hi', clientId: 'k1' }),
      conv.append(c.id, { role: 'assistant', text: 'hello' }),
      conv.append(c.id, { role: 'visitor', text: 'hi', clientId: 'k1' }),
    ]);
    expect([m1?.message.seq, m2?.message.seq]).toEqual([1, 2]);
    expect(dup?.duplicate).toBe(true);
    expect((await conv.since(c.id, 0)).map((m) => m.seq)).toEqual([1, 2]);
  });

  it('stores one message when two stores (two nodes) append the same client id at once, seqs gapless', async () => {
    const a = new ConversationStore(t.store.db);
    const b = new ConversationStore(t.store.db);
    const c = await a.create('demo', 'cus_bob');
    const results = await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        (i % 2 ? a : b).append(c.id, {
          role: 'visitor',
          text: `m${i % 3}`,
          clientId: `race_${i % 3}_abcdef`,
        }),
      ),
    );
    expect(results.filter((r) => !r.duplicate)).toHaveLength(3);
    const rows = await a.since(c.id, 0);
    expect(rows.map((m) => m.seq)).toEqual([1, 2, 3]);
    expect(new Set(rows.map((m) => m.client_id)).size).toBe(3);
    for (const r of results)
      expect(rows.find((m) => m.client_id === r.message.client_id)?.seq).toBe(r.message.seq);
  });

  it("finds a signed-in visitor's latest conversation by the subject index without updated_at", async () => {
    // Migration 0011: appends no longer rewrite an index entry of the conversation's row; the
    // continuity lookup (gateway/continuity.ts) still picks the most recently updated one in its window.
    const now = Date.parse('2026-12-02T12:00:00.000Z');
    const conv = new ConversationStore(t.store.db);
    const subject = 'cus_continuity';
    const [old, older, recent] = [
      await conv.create('demo', subject),
      await conv.create('demo', subject),
      await conv.create('demo', subject),
    ];
    const updated = async (id: string, at: string) =>
      t.store.db.updateTable('conversations').set({ updated_at: at }).where('id', '=', id).execute();
    await updated(old.id, '2026-12-01T09:00:00.000Z');
    await updated(older.id, '2026-11-20T09:00:00.000Z');
    await updated(recent.id, '2026-12-02T11:00:00.000Z');
    await conv.create('other', subject);
    const latest = latestConversationFinder(t.store.db, () => now);
    expect((await latest('demo', subject))?.id).toBe(recent.id);
    await updated(recent.id, '2026-11-01T09:00:00.000Z');
    expect((await latest('demo', subject))?.id).toBe(old.id);
    await updated(old.id, '2026-11-01T09:00:00.000Z');
    expect(await latest('demo', subject)).toBeNull();
    const columns =
      kind === 'sqlite'
        ? (
            await sql<{
              name: string;
            }>`select name from pragma_index_info('conversations_subject') order by seqno`.execute(t.store.db)
          ).rows.map((r) => r.name)
        : (
            await sql<{ name: string }>`select a.attname as name from pg_index i
              join pg_class c on c.oid = i.indexrelid
              join pg_attribute a on a.attrelid = i.indrelid and a.attnum = any(i.indkey)
              where c.relname = 'conversations_subject'
              order by array_position(i.indkey::int2[], a.attnum)`.execute(t.store.db)
          ).rows.map((r) => r.name);
    expect(columns).toEqual(['site_id', 'subject']);
  });

  it('keeps generated secrets where the store keeps them, the same on every read', async () => {
    const a = await storedSecret(t.store.secrets, 'mcp-confirmation');
    const b = await storedSecret(t.store.secrets, 'mcp-confirmation');
    expect(a.length).toBe(32);
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(true);
    if (kind === 'postgres') {
      const row = await t.store.db
        .selectFrom('secrets')
        .select('name')
        .where('name', '=', 'mcp-confirmation')
        .execute();
      expect(row).toHaveLength(1);
    }
  });
});

describe.skipIf(!postgresAvailable)('PostgreSQL store: nodes booting together', () => {
  it('seed the demo CRM once and serve the same keys', async () => {
    const pg = await createTestDatabase();
    const env = {
      ...process.env,
      DATABASE_URL: pg.url,
      DEPUTY_DATA_DIR: '/nonexistent',
      LOG_LEVEL: 'silent',
    };
    try {
      const nodes = await Promise.all([bootApp(env), bootApp(env), bootApp(env)]);
      const { db } = nodes[0]!.app.deputy.store;
      const customers = await db.selectFrom('customers').select('id').orderBy('id').execute();
      expect(customers.map((c) => c.id)).toEqual(['cus_alice', 'cus_bob']);
      const jwks = await Promise.all(
        nodes.map(async (n) => (await n.app.inject({ url: '/.well-known/jwks.json' })).body),
      );
      expect(new Set(jwks).size).toBe(1);
      await Promise.all(nodes.map((n) => n.app.close()));
    } finally {
      await pg.drop();
    }
  });

  it('migrate once and share one secret', async () => {
    const pg = await createTestDatabase();
    try {
      const stores = await Promise.all(
        [1, 2, 3].map(() => openConfiguredStore({ dataDir: '/nonexistent', databaseUrl: pg.url })),
      );
      const rows = await sql<{ name: string }>`select name from kysely_migration`.execute(stores[0]!.db);
      expect(rows.rows).toHaveLength(Object.keys(migrations).length);
      const secrets = await Promise.all(stores.map((s) => storedSecret(databaseSecrets(s.db), 'site-x')));
      expect(new Set(secrets.map((s) => Buffer.from(s).toString('hex'))).size).toBe(1);
      await Promise.all(stores.map((s) => s.close()));
    } finally {
      await pg.drop();
    }
  });
});
