import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Model } from '../../../server/agent/model.js';
import { ModelBudgetExceeded } from '../../../server/gateway/budgets.js';
import { SharedBudgets } from '../../../server/gateway/shared-budgets.js';
import type { Store } from '../../../server/store/db.js';
import { openPostgresStore } from '../../../server/store/postgres.js';
import { createTestDatabase, POSTGRES_SKIP_REASON, postgresAvailable } from '../../helpers/postgres.js';

// The budgets every node shares (docs/scaling.md), on a real PostgreSQL database: a message is one
// statement that checks the model-call budget and counts the message together.
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
      // The next minute allows the full two messages.
      clock += 60_000;
      expect(await budgets.admitMessage('s:v3')).toEqual({ ok: true });
      expect(await budgets.admitMessage('s:v3')).toEqual({ ok: true });
      expect(await budgets.admitMessage('s:v3')).toMatchObject({ ok: false, code: 'rate_limited' });
    } finally {
      budgets.close();
    }
  });
});
