// Two nodes (two real servers in this process) on one PostgreSQL database (docs/scaling.md): a
// message stored on node A reaches sockets on node B; a listener killed by the database catches up
// with nothing lost and nothing twice; a confirm card shown by node A is answered on node B and
// writes once, also after node A is gone; turns of one conversation never run on two nodes at once;
// a signed-in visitor's other browser continues their conversation on the other node; a card shown
// by node A is withdrawn when the visitor writes on node B; the shared budgets count exactly the
// model calls made on both nodes; a tool-using turn costs a counted number of round trips.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signVisitorToken } from '../../../server/auth/visitor-token.js';
import type { PgBus } from '../../../server/live/pg-bus.js';
import { storedSecret } from '../../../server/store/secrets.js';
import type { ServerFrame } from '../../../shared/protocol.js';
import {
  createTestDatabase,
  POSTGRES_SKIP_REASON,
  postgresAdminUrl,
  postgresAvailable,
} from '../../helpers/postgres.js';
import { removeDataDir, startServer, type TestServer } from '../../helpers/server.js';
import { TestSocket } from '../../helpers/ws-client.js';

async function until<T>(
  what: string,
  probe: () => T | Promise<T>,
  done: (v: T) => boolean,
  ms = 15_000,
): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (done(v)) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

const messages = (s: TestSocket) =>
  s.frames.filter((f): f is Extract<ServerFrame, { type: 'message' }> => f.type === 'message');

describe.skipIf(!postgresAvailable)(
  `two nodes on one PostgreSQL${postgresAvailable ? '' : ` (${POSTGRES_SKIP_REASON})`}`,
  () => {
    let database: Awaited<ReturnType<typeof createTestDatabase>>;
    let a: TestServer;
    let b: TestServer;

    const token = async (sub: string, name: string) =>
      signVisitorToken({
        secret: await storedSecret(a.app.deputy.store.secrets, 'site-demo'),
        site: 'demo',
        audience: 'deputy',
        sub,
        name,
      });

    async function hello(node: TestServer, tok: string, extra: Record<string, unknown> = {}) {
      const s = await TestSocket.open(node.url);
      s.send({ type: 'hello', v: 1, site: 'demo', token: tok, ...extra });
      const welcome = await s.next('welcome', () => true, 10_000);
      return { s, welcome };
    }

    async function rows<T>(query: string, params: unknown[] = []): Promise<T[]> {
      const c = new pg.Client({ connectionString: database.url });
      await c.connect();
      try {
        return (await c.query(query, params)).rows as T[];
      } finally {
        await c.end();
      }
    }

    /** Confirmed writes: each consumes one single-use confirmation state (setting the number already on file writes nothing). */
    const phoneWrites = async () =>
      (
        await rows<{ n: number }>(
          "select count(*)::int as n from confirmation_uses where tool = 'update_phone_number'",
        )
      )[0]?.n ?? 0;

    beforeAll(async () => {
      database = await createTestDatabase();
      a = await startServer({ env: { DATABASE_URL: database.url } });
      b = await startServer({ env: { DATABASE_URL: database.url } });
    }, 60_000);

    afterAll(async () => {
      for (const n of [a, b]) {
        await n?.close().catch(() => {});
        if (n) removeDataDir(n.dataDir);
      }
      await database?.drop();
    });

    it("delivers a message stored on node A to the visitor's tab on node B, once each, in order", async () => {
      const tok = await token('cus_alice', 'Alice Martin');
      const onA = await hello(a, tok);
      const onB = await hello(b, tok, { conversationId: onA.welcome.conversationId, lastSeq: 0 });
      onA.s.send({ type: 'message', clientId: 'mn_first_0001', text: "What's the status of ticket T-1001?" });
      const reply = await onB.s.next('message', (m) => m.role === 'assistant', 15_000);
      expect(reply.text).toMatch(/T-1001/);
      onA.s.send({ type: 'message', clientId: 'mn_second_001', text: "What's the status of ticket T-1002?" });
      await onB.s.next('message', (m) => m.role === 'assistant' && /T-1002/.test(m.text), 15_000);
      expect(messages(onB.s).map((m) => m.seq)).toEqual([1, 2, 3, 4]);
      expect(messages(onA.s).map((m) => m.seq)).toEqual([1, 2, 3, 4]);
      onA.s.close();
      onB.s.close();
    }, 40_000);

    it('catches up after the listener of node B is terminated: nothing lost, nothing twice', async () => {
      const tok = await token('cus_bob', 'Bob Chen');
      const onA = await hello(a, tok);
      const onB = await hello(b, tok, { conversationId: onA.welcome.conversationId, lastSeq: 0 });
      const bus = b.app.deputy.hub.live?.bus as PgBus;
      const pid = bus.backendPid;
      expect(pid).toBeTypeOf('number');
      const admin = new pg.Client({ connectionString: postgresAdminUrl() });
      await admin.connect();
      await admin.query('select pg_terminate_backend($1)', [pid]);
      await admin.end();
      // While B's listener is down, A stores and answers two messages.
      onA.s.send({ type: 'message', clientId: 'mn_gap_00001', text: "What's the status of ticket T-1003?" });
      await onA.s.next('message', (m) => m.role === 'assistant', 15_000);
      onA.s.send({ type: 'message', clientId: 'mn_gap_00002', text: "What's the status of ticket T-1003?" });
      await onA.s.next('message', (m) => m.role === 'assistant' && m.seq === 4, 15_000);
      await until(
        'B caught up',
        () => messages(onB.s).length,
        (n) => n >= 4,
      );
      expect(bus.stats.reconnects).toBe(1);
      await new Promise((r) => setTimeout(r, 300));
      expect(messages(onB.s).map((m) => m.seq)).toEqual([1, 2, 3, 4]);
      onA.s.close();
      onB.s.close();
    }, 40_000);

    it('completes a card shown by node A, confirmed on node B after A is gone, once', async () => {
      const before = await phoneWrites();
      const tok = await token('cus_alice', 'Alice Martin');
      const onA = await hello(a, tok);
      onA.s.send({
        type: 'message',
        clientId: 'mn_phone_0001',
        text: 'Please change my phone number to +44 20 7946 0555',
      });
      const card = await onA.s.next('confirm_request', () => true, 15_000);
      // Node A goes away with the card pending: its sockets close, its turn can no longer reach the
      // database, and its turn lease stays behind until it expires.
      await a.close();
      const onB = await hello(b, tok, { conversationId: onA.welcome.conversationId, lastSeq: 0 });
      expect(onB.welcome.pendingConfirms).toEqual([card.confirmId]);
      await onB.s.next('confirm_request', (c) => c.confirmId === card.confirmId);
      onB.s.send({ type: 'confirm', confirmId: card.confirmId, accept: true });
      onB.s.send({ type: 'confirm', confirmId: card.confirmId, accept: true });
      expect((await onB.s.next('confirm_result')).outcome).toBe('accepted');
      await onB.s.next('error', (e) => e.code === 'confirmation_unknown');
      // The card shows "accepted" as the click is claimed; B makes the write just after, on the click
      // alone (A's turn is gone, and B's own turn waits for A's lease to expire).
      await until(
        'the phone write made on the click',
        async () =>
          (await rows<{ phone: string }>('select phone from customers where id = $1', ['cus_alice']))[0]
            ?.phone,
        (phone) => phone === '+442079460555',
      );
      // Once A's lease has expired, B answers the visitor message, finding the change already made
      // (the rules model reads the record first; an LLM repeating the write gets the stored result).
      const reply = await onB.s.next('message', (m) => m.role === 'assistant', 30_000);
      expect(reply.text).toMatch(/\+44 ?20 ?7946 ?0555/);
      expect(onB.s.frames.filter((f) => f.type === 'confirm_request')).toHaveLength(1);
      onB.s.close();
      a = await startServer({ env: { DATABASE_URL: database.url } });
      expect(await phoneWrites()).toBe(before + 1);
    }, 60_000);

    it("completes a card shown by node B when it is clicked on node A, where B's turn waits, once", async () => {
      const before = await phoneWrites();
      const tok = await token('cus_alice', 'Alice Martin');
      const onB = await hello(b, tok);
      onB.s.send({
        type: 'message',
        clientId: 'mn_orphan_001',
        text: 'Please change my phone number to +44 20 7946 0557',
      });
      const card = await onB.s.next('confirm_request', () => true, 15_000);
      // B's turn holds the conversation's lease while it waits on the card.
      const lease = await rows<{ holder: string }>(
        'select holder from turn_leases where conversation_id = $1',
        [onB.welcome.conversationId],
      );
      expect(lease[0]?.holder.startsWith(b.app.deputy.hub.nodeId)).toBe(true);
      const onA = await hello(a, tok, { conversationId: onB.welcome.conversationId, lastSeq: 0 });
      expect(onA.welcome.pendingConfirms).toEqual([card.confirmId]);
      onA.s.send({ type: 'confirm', confirmId: card.confirmId, accept: true });
      expect((await onA.s.next('confirm_result')).outcome).toBe('accepted');
      await until(
        'the write done',
        () => rows<{ status: string }>('select status from pending_confirms where id = $1', [card.confirmId]),
        (r) => r[0]?.status === 'done',
      );
      expect(await rows('select phone from customers where id = $1', ['cus_alice'])).toEqual([
        { phone: '+442079460557' },
      ]);
      // B's turn, still waiting, continues with the result made on A: one reply, no second write.
      const reply = await onA.s.next(
        'message',
        (m) => m.role === 'assistant' && /7946 ?0557/.test(m.text),
        15_000,
      );
      expect(reply.text).toMatch(/phone number is now/);
      expect(await phoneWrites()).toBe(before + 1);
      onA.s.close();
      onB.s.close();
    }, 60_000);

    it('never runs two turns of one conversation at once across nodes', async () => {
      const tok = await token('cus_bob', 'Bob Chen');
      const onA = await hello(a, tok);
      const onB = await hello(b, tok, { conversationId: onA.welcome.conversationId, lastSeq: 0 });
      for (let i = 0; i < 4; i++) {
        const s = i % 2 === 0 ? onA.s : onB.s;
        s.send({
          type: 'message',
          clientId: `mn_order_${i}_0001`,
          text: `What's the status of ticket T-100${(i % 3) + 1}?`,
        });
      }
      await until(
        'four answers',
        async () =>
          rows<{ role: string }>('select role from messages where conversation_id = $1 order by seq', [
            onA.welcome.conversationId,
          ]),
        (r) => r.filter((m) => m.role === 'visitor').length === 4 && r.at(-1)?.role === 'assistant',
        30_000,
      );
      const stored = await rows<{ seq: number; role: string }>(
        'select seq, role from messages where conversation_id = $1 order by seq',
        [onA.welcome.conversationId],
      );
      // One reply per turn, each after the messages it answers, never two replies racing.
      expect(stored.map((m) => m.seq)).toEqual(stored.map((_, i) => i + 1));
      for (let i = 1; i < stored.length; i++)
        expect(stored[i]?.role === 'assistant' && stored[i - 1]?.role === 'assistant').toBe(false);
      onA.s.close();
      onB.s.close();
    }, 60_000);

    it("continues a signed-in visitor's conversation in another browser, on the other node", async () => {
      const tok = await token('cus_bob', 'Bob Chen');
      const first = await hello(a, tok);
      first.s.send({
        type: 'message',
        clientId: 'mn_device_001',
        text: "What's the status of ticket T-1002?",
      });
      await first.s.next('message', (m) => m.role === 'assistant', 15_000);
      const other = await hello(b, tok, { latest: true });
      expect(other.welcome.resumed).toBe(true);
      expect(other.welcome.conversationId).toBe(first.welcome.conversationId);
      await other.s.next('message', (m) => m.role === 'assistant' && /T-1002/.test(m.text));
      // Anonymous visitors stay per browser.
      const anon = await TestSocket.open(b.url);
      anon.send({ type: 'hello', v: 1, site: 'demo', latest: true });
      const w = await anon.next('welcome');
      expect(w.resumed).toBe(false);
      for (const s of [first.s, other.s, anon]) s.close();
    }, 40_000);
    it('withdraws a card waiting on node A when the visitor writes in their tab on node B, and answers that message', async () => {
      const before = await phoneWrites();
      const tok = await token('cus_alice', 'Alice Martin');
      const onA = await hello(a, tok);
      const onB = await hello(b, tok, { conversationId: onA.welcome.conversationId, lastSeq: 0 });
      // A first turn from B (so B has looked for cards left by processes before it, and knows none).
      onB.s.send({
        type: 'message',
        clientId: 'mn_withdraw_00',
        text: "What's the status of ticket T-1001?",
      });
      await onB.s.next('message', (m) => m.role === 'assistant', 15_000);
      onA.s.send({
        type: 'message',
        clientId: 'mn_withdraw_01',
        text: 'Please change my phone number to +44 20 7946 0559',
      });
      const card = await onA.s.next('confirm_request', () => true, 15_000);
      await onB.s.next('confirm_request', (c) => c.confirmId === card.confirmId, 15_000);
      // B runs no turn of this conversation: its message's turn finds A's turn holding the lease
      // and withdraws the card of the earlier message before it waits.
      onB.s.send({
        type: 'message',
        clientId: 'mn_withdraw_02',
        text: "What's the status of ticket T-1002?",
      });
      for (const s of [onA.s, onB.s]) {
        const result = await s.next('confirm_result', (r) => r.confirmId === card.confirmId, 15_000);
        expect(result.outcome).toBe('withdrawn');
      }
      const reply = await onB.s.next(
        'message',
        (m) => m.role === 'assistant' && /T-1002/.test(m.text),
        15_000,
      );
      expect(reply.seq).toBeGreaterThan(4);
      expect(await rows('select status from pending_confirms where id = $1', [card.confirmId])).toEqual([
        { status: 'withdrawn' },
      ]);
      expect(await phoneWrites()).toBe(before);
      onA.s.close();
      onB.s.close();
    }, 40_000);

    it('counts exactly the model calls made on both nodes in the shared budget', async () => {
      // All in one budget minute (a minute's edge starts the count over).
      const intoMinute = Date.now() % 60_000;
      if (intoMinute > 35_000) await new Promise((r) => setTimeout(r, 60_500 - intoMinute));
      const steps = async () => {
        let n = 0;
        for (const node of [a, b]) {
          const metric = await node.app.deputy.metrics.modelSeconds.get();
          for (const v of metric.values) if (v.metricName?.endsWith('_count')) n += v.value;
        }
        return n;
      };
      const stepsBefore = await steps();
      const tok = await token('cus_carol', 'Carol Diaz');
      const onA = await hello(a, tok);
      const onB = await hello(b, tok, { conversationId: onA.welcome.conversationId, lastSeq: 0 });
      // Tool-using turns and a turn without a tool, on alternate nodes.
      const texts = [
        "What's the status of ticket T-1001?",
        'What can you help me with?',
        "What's the status of ticket T-1002?",
        "What's the status of ticket T-1003?",
      ];
      for (const [i, text] of texts.entries()) {
        const s = i % 2 === 0 ? onA.s : onB.s;
        s.send({ type: 'message', clientId: `mn_budget_${i}_0001`, text });
        // This turn's own reply (the visitor message, then the reply): "the next assistant frame" can
        // be the previous turn's reply reaching this node late over the bus, before this turn has run.
        const seq = onA.welcome.lastSeq + 2 * i + 2;
        await s.next('message', (m) => m.role === 'assistant' && m.seq === seq, 15_000);
      }
      const made = (await steps()) - stepsBefore;
      expect(made).toBeGreaterThanOrEqual(texts.length);
      // Reservations a turn did not use are given back just after it: the count settles on `made`.
      await until(
        'the shared count to settle',
        async () =>
          (
            await rows<{ used: number }>('select used from visitor_budgets where key = $1', [
              'demo:cus_carol:c',
            ])
          )[0]?.used,
        (used) => used === made,
      );
      onA.s.close();
      onB.s.close();
    }, 90_000);

    it('answers a tool-using turn with a counted number of round trips, two of them the live bus and the turn lease', async () => {
      const tok = await token('cus_bob', 'Bob Chen');
      const onA = await hello(a, tok);
      const ask = async (i: number) => {
        const from = onA.s.frames.length;
        onA.s.send({
          type: 'message',
          clientId: `mn_trips_${i}_00001`,
          text: "What's the status of ticket T-1001?",
        });
        await onA.s.next('message', (m) => m.role === 'assistant' && /T-1001/.test(m.text), 15_000, from);
        // The release rides the reply's pointer, sent just after the reply frame: wait until it has
        // committed (read on a connection of the test's own, not counted), not for a fixed time.
        await until(
          'the turn lease released',
          () => rows('select 1 from turn_leases where conversation_id = $1', [onA.welcome.conversationId]),
          (held) => held.length === 0,
        );
      };
      await ask(0);
      const bus = a.app.deputy.hub.live?.bus as PgBus;
      // The node's own background work (operator presence every 5 s) lands in at most one of three
      // short windows: the least of them is the turns' own count.
      const perTurn: number[] = [];
      for (let w = 0, i = 1; w < 3; w++) {
        const statements = a.app.deputy.store.statements();
        const busStatements = bus.stats.statements;
        for (let t = 0; t < 2; t++) await ask(i++);
        // Per turn: the visitor message's pointer with the lease taken, the reply's with it given back.
        expect((bus.stats.statements - busStatements) / 2).toBe(2);
        perTurn.push((a.app.deputy.store.statements() - statements) / 2);
      }
      // Everything on the turn's path, exactly (bench/FINDINGS.md, issue 16): the visitor message's
      // append with the budget admission in it, the bus flush with the lease take and the owner
      // read before the turn, the ticket, the audit row, the owner before the second model step, the
      // reply's append, the bus flush with the lease release.
      expect(Math.min(...perTurn)).toBe(7);
      onA.s.close();
    }, 40_000);
  },
);
