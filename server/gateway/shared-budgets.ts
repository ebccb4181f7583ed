import { type Kysely, sql } from 'kysely';
import type { Model } from '../agent/model.js';
import type { Limits } from '../config.js';
import type { Database } from '../store/schema.js';
import { type Admission, type Budgets, ModelBudgetExceeded } from './budgets.js';

/** Rows of minutes long past are removed this often. */
const SWEEP_MS = 10 * 60_000;

function minuteOf(ms: number): string {
  return new Date(ms - (ms % 60_000)).toISOString();
}

/**
 * Per-visitor budgets shared by every node (docs/scaling.md): a count per visitor, budget and
 * minute in the database, raised with one atomic upsert per message or model step. Exact across
 * nodes within a minute; at a minute's edge a visitor may spend up to twice the per-minute budget
 * in a short burst (fixed windows, where the one-node token buckets refill smoothly).
 */
export class SharedBudgets implements Budgets {
  #sweep: NodeJS.Timeout;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly limits: Pick<Limits, 'messagesPerMinute' | 'modelCallsPerMinute'>,
    private readonly now: () => number = Date.now,
  ) {
    this.#sweep = setInterval(() => void this.#forget().catch(() => {}), SWEEP_MS);
    this.#sweep.unref();
  }

  close(): void {
    clearInterval(this.#sweep);
  }

  /** Counts one use; resolves with the count of this minute including it. */
  async #use(key: string, amount: number): Promise<number> {
    const minute = minuteOf(this.now());
    const row = await this.db
      .insertInto('visitor_budgets')
      .values({ key, minute, used: amount })
      .onConflict((oc) =>
        oc.column('key').doUpdateSet((eb) => ({
          used: eb
            .case()
            .when('visitor_budgets.minute', '=', eb.ref('excluded.minute'))
            .then(eb('visitor_budgets.used', '+', amount))
            .else(amount)
            .end(),
          minute: eb.ref('excluded.minute'),
        })),
      )
      .returning('used')
      .executeTakeFirstOrThrow();
    return Number(row.used);
  }

  #retryAfterMs(): number {
    const t = this.now();
    return 60_000 - (t % 60_000);
  }

  /**
   * One statement per message: the message is counted only while the visitor's model calls of this
   * minute are under budget (a visitor out of model calls is told so, and the refused message is not
   * counted), then the message budget is checked against the new count.
   */
  async admitMessage(key: string): Promise<Admission> {
    const minute = minuteOf(this.now());
    const { rows } = await sql<{ used: number | string }>`
      WITH calls AS (
        SELECT used FROM visitor_budgets WHERE key = ${`${key}:c`} AND minute = ${minute}
      )
      INSERT INTO visitor_budgets (key, minute, used)
      SELECT ${`${key}:m`}, ${minute}, 1
      WHERE COALESCE((SELECT used FROM calls), 0) < ${this.limits.modelCallsPerMinute}
      ON CONFLICT (key) DO UPDATE SET
        used = CASE WHEN visitor_budgets.minute = excluded.minute THEN visitor_budgets.used + 1 ELSE 1 END,
        minute = excluded.minute
      RETURNING used`.execute(this.db);
    const row = rows[0];
    if (!row) return { ok: false, code: 'model_budget', retryAfterMs: this.#retryAfterMs() };
    if (Number(row.used) > this.limits.messagesPerMinute)
      return { ok: false, code: 'rate_limited', retryAfterMs: this.#retryAfterMs() };
    return { ok: true };
  }

  wrapModel(model: Model, key: string, onRefused: () => void = () => {}): Model {
    const take = async () => {
      if ((await this.#use(`${key}:c`, 1)) <= this.limits.modelCallsPerMinute) return;
      onRefused();
      throw new ModelBudgetExceeded(this.#retryAfterMs());
    };
    return {
      name: model.name,
      async *step(req, signal) {
        await take();
        yield* model.step(req, signal);
      },
    };
  }

  async #forget(): Promise<void> {
    await this.db
      .deleteFrom('visitor_budgets')
      .where('minute', '<', minuteOf(this.now() - 60 * 60_000))
      .execute();
  }
}
