import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Model } from '../../../server/agent/model.js';
import { ModelBudgetExceeded } from '../../../server/gateway/budgets.js';
import { SharedBudgets } from '../../../server/gateway/shared-budgets.js';
import { ConversationStore } from '../../../server/store/conversations.js';
import type { Store } from '../../../server/store/db.js';
import { openPostgresStore } from '../../../server/store/postgres.js';
import { createTestDatabase, POSTGRES_SKIP_REASON, postgresAvailable } from '../../helpers/postgres.js';

// The budgets every node shares (docs/scaling.md), on a real PostgreSQL database: a message is one
// statement that checks the model-call budget, counts the message and reserves the model calls its
// turn is expected to make; steps spend the reservation without a round trip, and what is left is
// given back when the turn ends, so the shared count is exact across nodes.
describe.skipIf(!postgresAvailable)(`shared visitor budgets on PostgreSQL${POSTGRES_SKIP_REASON}`, () => {
  let store: Store;
  let drop: () => Promise<void>;
  let clock = Date.parse('2026-12-01T10:00:05Z');
  const now = () => clock;
  const model: Model = {
    name: 'echo',
    async *step() {
      yield { type: 'done' } as never;
    },
  };

  beforeAll(async () => {
    const db = await createTestDatabase();
    drop = db.drop;
    store = await openPostgresStore(db.url);
  });
  afterAll(async () => {
    await store?.close();
    await drop?.();
  });

  it('counts messages per minute and refuses the one over the budget', async () => {
    const budgets = new SharedBudgets(store.db, { messagesPerMinute: 3, modelCallsPerMinute: 10 }, now);
    try {
      for (let i = 0; i < 3; i++) expect(await budgets.admitMessage('s:v1')).toEqual({ ok: true });
      const refused = await budgets.admitMessage('s:v1');
      expect(refused).toMatchObject({ ok: false, code: 'rate_limited' });
      // Another visitor has their own count.
      expect(await budgets.admitMessage('s:v2')).toEqual({ ok: true });
      // The next minute starts over.
      clock += 60_000;
      expect(await budgets.admitMessage('s:v1')).toEqual({ ok: true });
    } finally {
      budgets.close();
    }
  });

  it('refuses a message once the model calls are spent, without counting it', async () => {
    const budgets = new SharedBudgets(store.db, { messagesPerMinute: 2, modelCallsPerMinute: 2 }, now);
    try {
      const wrapped = budgets.wrapModel(model, 's:v3');
      for (let i = 0; i < 2; i++)
        for await (const _ of wrapped.step({} as never, new AbortController().signal));
      await expect(async () => {
        for await (const _ of wrapped.step({} as never, new AbortController().signal));
      }).rejects.toBeInstanceOf(ModelBudgetExceeded);
      for (let i = 0; i < 3; i++)
        expect(await budgets.admitMessage('s:v3')).toMatchObject({ ok: false, code: 'model_budget' });
      // Those refusals were not counted as messages.
      const counted = await store.db
        .selectFrom('visitor_budgets')
        .select('used')
        .where('key', '=', 's:v3:m')
        .executeTakeFirst();
      expect(counted).toBeUndefined();
      // The next minute allows the full two messages (each turn ends without a model step, so
      // what the message reserved is given back).
      clock += 60_000;
      expect(await budgets.admitMessage('s:v3')).toEqual({ ok: true });
      await budgets.turnEnded('s:v3');
      expect(await budgets.admitMessage('s:v3')).toEqual({ ok: true });
      await budgets.turnEnded('s:v3');
      expect(await budgets.admitMessage('s:v3')).toMatchObject({ ok: false, code: 'rate_limited' });
    } finally {
      budgets.close();
    }
  });
  const step = async (m: Model) => {
    for await (const _ of m.step({} as never, new AbortController().signal));
  };
  const callsOf = async (key: string) =>
    Number(
      (
        await store.db
          .selectFrom('visitor_budgets')
          .select('used')
          .where('key', '=', `${key}:c`)
          .executeTakeFirst()
      )?.used ?? 0,
    );

  it('charges a tool-using turn in the statement that admits its message, and gives back what is unused', async () => {
    const budgets = new SharedBudgets(store.db, { messagesPerMinute: 30, modelCallsPerMinute: 100 }, now);
    try {
      const wrapped = budgets.wrapModel(model, 's:v4');
      // The first turn reserves one call: its second step (after the tool call) is charged alone.
      let before = store.statements();
      expect(await budgets.admitMessage('s:v4')).toEqual({ ok: true });
      await step(wrapped);
      await step(wrapped);
      await budgets.turnEnded('s:v4');
      expect(store.statements() - before).toBe(2);
      // From then on a message reserves the two steps its turn makes: one round trip per turn.
      for (let turn = 0; turn < 3; turn++) {
        before = store.statements();
        expect(await budgets.admitMessage('s:v4')).toEqual({ ok: true });
        await step(wrapped);
        await step(wrapped);
        await budgets.turnEnded('s:v4');
        expect(store.statements() - before).toBe(1);
      }
      expect(await callsOf('s:v4')).toBe(8);
      // A turn that makes one step gives the other back: the count is the calls made.
      expect(await budgets.admitMessage('s:v4')).toEqual({ ok: true });
      await step(wrapped);
      await budgets.turnEnded('s:v4');
      expect(await callsOf('s:v4')).toBe(9);
      // A turn a person answers makes none, gives back its one, and the next message reserves none.
      expect(await budgets.admitMessage('s:v4')).toEqual({ ok: true });
      await budgets.turnEnded('s:v4');
      expect(await callsOf('s:v4')).toBe(9);
      before = store.statements();
      expect(await budgets.admitMessage('s:v4')).toEqual({ ok: true });
      await budgets.turnEnded('s:v4');
      expect(store.statements() - before).toBe(1);
      expect(await callsOf('s:v4')).toBe(9);
    } finally {
      budgets.close();
    }
  });

  it("keeps one visitor's reservations while another of their turns runs on the node, and gives back what is left after the last", async () => {
    const budgets = new SharedBudgets(store.db, { messagesPerMinute: 30, modelCallsPerMinute: 100 }, now);
    try {
      // One visitor in two conversations (two agents, two wrapped models), each turn two steps.
      const a = budgets.wrapModel(model, 's:v6');
      const b = budgets.wrapModel(model, 's:v6');
      const turn = async (m: Model, steps: number) => {
        budgets.turnStarted('s:v6');
        for (let i = 0; i < steps; i++) await step(m);
      };
      // A first turn alone teaches the node that this visitor's turns make two steps.
      expect(await budgets.admitMessage('s:v6')).toEqual({ ok: true });
      await turn(a, 2);
      await budgets.turnEnded('s:v6');
      // Two messages, two turns running together: both reserve two; the first turn to end gives
      // back nothing the other still spends, so no step is charged on its own.
      const before = store.statements();
      expect(await budgets.admitMessage('s:v6')).toEqual({ ok: true });
      expect(await budgets.admitMessage('s:v6')).toEqual({ ok: true });
      await turn(a, 2);
      await turn(b, 1);
      await budgets.turnEnded('s:v6');
      await step(b);
      await budgets.turnEnded('s:v6');
      expect(store.statements() - before).toBe(2);
      expect(await callsOf('s:v6')).toBe(6);
      // Two turns together that make three steps of the four reserved: the last to end gives the
      // fourth back, and the count is the calls made.
      expect(await budgets.admitMessage('s:v6')).toEqual({ ok: true });
      expect(await budgets.admitMessage('s:v6')).toEqual({ ok: true });
      await turn(a, 2);
      await turn(b, 1);
      await budgets.turnEnded('s:v6');
      expect(await callsOf('s:v6')).toBe(10);
      await budgets.turnEnded('s:v6');
      expect(await callsOf('s:v6')).toBe(9);
    } finally {
      budgets.close();
    }
  });

  it('is exact across two nodes: the calls made on both never pass the budget, and the count is the calls made', async () => {
    const limits = { messagesPerMinute: 100, modelCallsPerMinute: 7 };
    const nodes = [new SharedBudgets(store.db, limits, now), new SharedBudgets(store.db, limits, now)];
    const models = nodes.map((n) => n.wrapModel(model, 's:v5'));
    let made = 0;
    let refusedSteps = 0;
    try {
      // Tool-using turns on alternate nodes, two steps each, until the budget refuses.
      for (let turn = 0; turn < 8; turn++) {
        const i = turn % 2;
        const node = nodes[i]!;
        const admitted = await node.admitMessage('s:v5');
        if (!admitted.ok) {
          expect(admitted.code).toBe('model_budget');
          continue;
        }
        for (let s = 0; s < 2; s++) {
          try {
            await step(models[i]!);
            made++;
          } catch (err) {
            expect(err).toBeInstanceOf(ModelBudgetExceeded);
            refusedSteps++;
            break;
          }
        }
        await node.turnEnded('s:v5');
      }
      expect(made).toBe(7);
      expect(refusedSteps).toBe(1);
      // Refused steps are counted as attempts (as on one node); nothing reserved is left over.
      expect(await callsOf('s:v5')).toBe(made + refusedSteps);
      // Both nodes refuse new messages until the minute is over, then both admit again.
      for (const n of nodes) expect(await n.admitMessage('s:v5')).toMatchObject({ code: 'model_budget' });
      clock += 60_000;
      for (const n of nodes) expect(await n.admitMessage('s:v5')).toEqual({ ok: true });
    } finally {
      for (const n of nodes) n.close();
    }
  });

  it("admits a visitor message in its append's one statement: refused, nothing is counted or stored", async () => {
    const budgets = new SharedBudgets(store.db, { messagesPerMinute: 2, modelCallsPerMinute: 10 }, now);
    const conversations = new ConversationStore(store.db);
    try {
      expect(conversations.admitsInAppend).toBe(true);
      const c = await conversations.create('demo', 'cus_alice');
      const messagesOf = async () =>
        (
          await store.db
            .selectFrom('messages')
            .select('client_id')
            .where('conversation_id', '=', c.id)
            .execute()
        )
          .map((r) => r.client_id)
          .sort();
      const counted = async () =>
        Number(
          (
            await store.db
              .selectFrom('visitor_budgets')
              .select('used')
              .where('key', '=', 's:v7:m')
              .executeTakeFirst()
          )?.used ?? 0,
        );
      const send = (clientId: string) =>
        conversations.appendAdmitted(
          c.id,
          { role: 'visitor', text: 'hi', clientId },
          budgets.admissionClause('s:v7'),
        );
      // Admitted and stored in one round trip.
      const before = store.statements();
      const first = await send('cl_admit_00001');
      expect(store.statements() - before).toBe(1);
      expect(first).toMatchObject({
        admission: { ok: true },
        stored: { duplicate: false, message: { seq: 1 } },
      });
      // A resend is counted as every message is, and answered with the first's row.
      const again = await send('cl_admit_00001');
      expect(again).toMatchObject({
        admission: { ok: true },
        stored: { duplicate: true, message: { seq: 1 } },
      });
      expect(await counted()).toBe(2);
      // Over the message budget: refused, not stored, and the counter moved as admitMessage moves it.
      const refused = await send('cl_admit_00002');
      expect(refused.stored).toBeUndefined();
      expect(refused.admission).toMatchObject({ ok: false, code: 'rate_limited' });
      expect(await messagesOf()).toEqual(['cl_admit_00001']);
      // Out of model calls: refused without counting the message (the admission's own rule).
      clock += 60_000;
      await store.db
        .insertInto('visitor_budgets')
        .values({ key: 's:v7:c', minute: new Date(clock - (clock % 60_000)).toISOString(), used: 10 })
        .onConflict((oc) =>
          oc.column('key').doUpdateSet({ used: 10, minute: (eb) => eb.ref('excluded.minute') }),
        )
        .execute();
      const noCalls = await send('cl_admit_00003');
      expect(noCalls.admission).toMatchObject({ ok: false, code: 'model_budget' });
      expect(await messagesOf()).toEqual(['cl_admit_00001']);
      // Two resends racing (the unique index refuses the loser's insert): one row, both counted.
      // Both statements start while the visitor's budget row is locked, so neither sees the
      // other's message when it checks for a duplicate.
      clock += 60_000;
      const race = (s: ConversationStore) =>
        s.appendAdmitted(
          c.id,
          { role: 'visitor', text: 'race', clientId: 'cl_admit_00004' },
          budgets.admissionClause('s:v7'),
        );
      // (Returned wrapped: the lock holds until the transaction's callback has returned.)
      const { both } = await store.db.transaction().execute(async (trx) => {
        await sql`SELECT 1 FROM visitor_budgets WHERE key = 's:v7:m' FOR UPDATE`.execute(trx);
        const started = Promise.all([race(conversations), race(new ConversationStore(store.db))]);
        await new Promise((r) => setTimeout(r, 300));
        return { both: started };
      });
      const [x, y] = await both;
      expect([x.stored?.duplicate, y.stored?.duplicate].sort()).toEqual([false, true]);
      expect(x.stored?.message.id).toBe(y.stored?.message.id);
      expect(await counted()).toBe(2);
      expect(await messagesOf()).toEqual(['cl_admit_00001', 'cl_admit_00004']);
    } finally {
      budgets.close();
    }
  });
});
