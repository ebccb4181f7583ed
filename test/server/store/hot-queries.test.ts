import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OwnershipStore } from '../../../server/console/ownership.js';
import { EmbeddedCrm } from '../../../server/crm/embedded.js';
import { ConversationStore } from '../../../server/store/conversations.js';
import { seedDemo } from '../../../server/store/seed.js';
import { TailCache } from '../../../server/store/tails.js';
import { describeStores, openTestStore, type TestStore } from '../../helpers/stores.js';

// The turn's hot queries (server/store/hot.ts) and the conversation tails (server/store/tails.ts):
// the same answers as the rows in the database, whoever appended them.
describeStores('hot queries and tails', (kind) => {
  let t: TestStore;
  beforeAll(async () => {
    t = await openTestStore(kind);
    await seedDemo(t.store);
  });
  afterAll(() => t.dispose());

  const stored = async (conversationId: string) =>
    (
      await t.store.db
        .selectFrom('messages')
        .selectAll()
        .where('conversation_id', '=', conversationId)
        .orderBy('seq', 'asc')
        .execute()
    ).map((m) => ({ ...m, author: m.author ?? null }));

  it('reads the last messages as stored, after appends through this store and another', async () => {
    const a = new ConversationStore(t.store.db);
    const b = new ConversationStore(t.store.db);
    const c = await a.create('demo', 'cus_alice');
    expect(await a.recent(c.id, 20)).toEqual([]);
    for (let i = 0; i < 25; i++) await a.append(c.id, { role: 'visitor', text: `a${i}`, clientId: `k${i}` });
    expect(await a.recent(c.id, 20)).toEqual((await stored(c.id)).slice(-20));
    // Another store (another node) appends: this store's tail is stale and must not be used.
    await b.append(c.id, { role: 'operator', text: 'from b', author: 'Sam' });
    expect((await a.recent(c.id, 20)).map((m) => m.text).at(-1)).toBe('from b');
    await a.append(c.id, { role: 'assistant', text: 'from a' });
    await b.append(c.id, { role: 'assistant', text: 'from b again' });
    await a.append(c.id, { role: 'assistant', text: 'from a again' });
    expect(await a.recent(c.id, 20)).toEqual((await stored(c.id)).slice(-20));
    expect(await b.recent(c.id, 3)).toEqual((await stored(c.id)).slice(-3));
    // A resent client id is stored once and leaves the tail as it was.
    const dup = await a.append(c.id, { role: 'visitor', text: 'a3', clientId: 'k3' });
    expect(dup.duplicate).toBe(true);
    expect(await a.recent(c.id, 20)).toEqual((await stored(c.id)).slice(-20));
    expect(await a.since(c.id, 25, 2)).toEqual((await stored(c.id)).slice(25, 27));
  });

  it('reads with any limit: each written into the SQL on SQLite, bound past the few it keeps', async () => {
    // HotLimitQuery (server/store/hot.ts): more limit values than it prepares, and 0.
    const conv = new ConversationStore(t.store.db);
    const c = await conv.create('demo', 'cus_alice');
    for (let i = 0; i < 14; i++) await conv.append(c.id, { role: 'visitor', text: `l${i}` });
    const all = await stored(c.id);
    for (const limit of [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 12, 20, 1, 9]) {
      const before = t.store.statements();
      expect(await conv.since(c.id, 2, limit)).toEqual(all.slice(2, 2 + limit));
      expect(t.store.statements() - before).toBe(1);
      expect(await new ConversationStore(t.store.db).recent(c.id, limit)).toEqual(
        limit === 0 ? [] : all.slice(-limit),
      );
    }
  });

  it('appends while another transaction holds the connection and rolls back: joins it not, loses nothing', async () => {
    const conv = new ConversationStore(t.store.db);
    const c = await conv.create('demo', 'cus_bob');
    let release = () => {};
    const held = new Promise<void>((r) => {
      release = r;
    });
    // A Kysely transaction holding the connection across an await (the embedded CRM's writes do),
    // then rolling back: an append must neither join it nor be rolled back with it.
    const trx = t.store.db.transaction().execute(async (tx) => {
      await sql`select 1`.execute(tx);
      await held;
      await sql`select 1`.execute(tx);
      throw new Error('rolled back');
    });
    trx.catch(() => {});
    await new Promise((r) => setTimeout(r, 20));
    const first = conv.append(c.id, { role: 'visitor', text: 'one' });
    await new Promise((r) => setImmediate(r));
    await new Promise((r) => setImmediate(r));
    release();
    const second = conv.append(c.id, { role: 'assistant', text: 'two' });
    const [m1, m2] = await Promise.all([first, second]);
    await expect(trx).rejects.toThrow('rolled back');
    expect([m1.message.seq, m2.message.seq]).toEqual([1, 2]);
    expect((await conv.recent(c.id, 20)).map((m) => m.text)).toEqual(['one', 'two']);
    expect((await stored(c.id)).map((m) => m.text)).toEqual(['one', 'two']);
  });

  it('rejects an append to a conversation that does not exist without failing the others', async () => {
    const conv = new ConversationStore(t.store.db);
    const c = await conv.create('demo', 'cus_alice');
    const [ok, gone] = await Promise.allSettled([
      conv.append(c.id, { role: 'visitor', text: 'here' }),
      conv.append('conv_missing', { role: 'visitor', text: 'nowhere' }),
    ]);
    expect(ok.status).toBe('fulfilled');
    expect(gone.status).toBe('rejected');
    expect((await stored(c.id)).map((m) => m.text)).toEqual(['here']);
  });

  it('reads the owner and the named conversation as the rows say', async () => {
    const ownership = new OwnershipStore(t.store.db);
    const conv = new ConversationStore(t.store.db);
    const c = await conv.create('demo', 'cus_alice');
    const guest = await conv.create('demo', 'anon:xyz');
    expect(await ownership.get('conv_missing')).toBeNull();
    const owned = await ownership.get(c.id);
    expect(owned).toMatchObject({ id: c.id, siteId: 'demo', owner: 'bot', status: 'open', failures: 0 });
    const named = await ownership.getNamed(c.id);
    expect(named?.customerName).toBe('Alice Martin');
    expect(named?.operatorName).toBeNull();
    expect((await ownership.getNamed(guest.id))?.customerName).toBeNull();
  });

  it('counts each hot statement like any other', async () => {
    const conv = new ConversationStore(t.store.db);
    const c = await conv.create('demo', 'cus_alice');
    await conv.append(c.id, { role: 'visitor', text: 'x', clientId: 'count1' });
    const before = t.store.statements();
    await conv.recent(c.id, 20);
    expect(t.store.statements() - before).toBe(1);
    const again = t.store.statements();
    // The kept tail is checked against last_seq: still one statement.
    await conv.recent(c.id, 20);
    expect(t.store.statements() - again).toBe(1);
  });
});

describe('conversation tails', () => {
  const msg = (seq: number, text = `m${seq}`) => ({
    id: `msg_${seq}`,
    conversation_id: 'c1',
    seq,
    role: 'visitor' as const,
    text,
    client_id: null,
    created_at: '',
    author: null,
  });

  it('answers only when the tail ends at the stored last_seq', () => {
    const tails = new TailCache();
    tails.set('c1', [msg(1), msg(2)]);
    expect(tails.get('c1', 2, 20)?.map((m) => m.seq)).toEqual([1, 2]);
    expect(tails.get('c1', 3, 20)).toBeNull();
    expect(tails.get('c1', 2, 21)).toBeNull();
    expect(tails.get('c2', 0, 20)).toBeNull();
  });

  it('extends on the next message, drops on a gap, keeps twenty', () => {
    const tails = new TailCache();
    tails.set('c1', [msg(1)]);
    for (let s = 2; s <= 30; s++) tails.appended(msg(s));
    expect(tails.get('c1', 30, 20)?.map((m) => m.seq)).toEqual(Array.from({ length: 20 }, (_, i) => i + 11));
    expect(tails.get('c1', 30, 2)?.map((m) => m.seq)).toEqual([29, 30]);
    tails.appended(msg(32));
    expect(tails.has('c1')).toBe(false);
  });

  it('forgets the least recently used conversations past its budget', () => {
    const tails = new TailCache();
    const big = 'x'.repeat(100_000);
    for (let i = 0; i < 60; i++) tails.set(`c${i}`, [{ ...msg(1, big), conversation_id: `c${i}` }]);
    expect(tails.has('c0')).toBe(false);
    expect(tails.has('c59')).toBe(true);
  });
});

// get_ticket_status's one read of a ticket with its latest comments (EmbeddedCrm): the same ticket
// and comments as the two reads it replaces, on both databases, in one statement.
describeStores('the embedded CRM: a ticket with its latest comments in one read', (kind) => {
  let t: TestStore;
  let crm: EmbeddedCrm;
  beforeAll(async () => {
    t = await openTestStore(kind);
    await seedDemo(t.store);
    crm = new EmbeddedCrm(t.store.db);
  });
  afterAll(() => t.dispose());

  const separately = async (id: string, limit: number) => {
    const ticket = await crm.getTicket(id);
    return ticket ? { ticket, comments: await crm.listComments(ticket.id, limit) } : null;
  };

  it('answers as getTicket and listComments do, in one statement', async () => {
    const opened = await crm.createTicket({
      customerId: 'cus_alice',
      subject: 'No comments yet',
      description: 'Fresh',
      priority: 'normal',
      dedupeWindowMs: 60_000,
    });
    const id = opened.ticket.id;
    for (const limit of [1, 3]) {
      const before = t.store.statements();
      const both = await crm.getTicketWithComments(id, limit);
      expect(t.store.statements() - before).toBe(1);
      expect(both).toEqual(await separately(id, limit));
      expect(both?.comments).toEqual([]);
    }
    await crm.addComment({ ticketId: id, customerId: 'cus_alice', body: 'first', dedupeWindowMs: 0 });
    await crm.addComment({
      ticketId: id,
      customerId: 'cus_alice',
      body: 'second, from the team',
      dedupeWindowMs: 0,
      staffAuthor: { name: 'Sam Operator', email: 'sam@example.com' },
    });
    await crm.addComment({ ticketId: id, customerId: 'cus_alice', body: 'third', dedupeWindowMs: 0 });
    for (const limit of [1, 2, 5]) {
      const both = await crm.getTicketWithComments(id, limit);
      expect(both).toEqual(await separately(id, limit));
      expect(both?.comments.map((c) => c.body)).toEqual(
        ['first', 'second, from the team', 'third'].slice(-limit),
      );
    }
    expect((await crm.getTicketWithComments(id, 2))?.comments[0]?.authorName).toBe('Sam Operator');
    // No comments asked for: still the ticket.
    expect(await crm.getTicketWithComments(id, 0)).toEqual(await separately(id, 0));
    expect((await crm.getTicketWithComments(id, 0))?.comments).toEqual([]);
    // The seeded ticket, and ids that are missing, malformed, or another site's.
    expect(await crm.getTicketWithComments('T-1001', 1)).toEqual(await separately('T-1001', 1));
    expect(await crm.getTicketWithComments('T-9999', 1)).toBeNull();
    expect(await crm.getTicketWithComments('not a ticket', 1)).toBeNull();
    expect(await new EmbeddedCrm(t.store.db, 'other-site').getTicketWithComments(id, 1)).toBeNull();
  });
});
