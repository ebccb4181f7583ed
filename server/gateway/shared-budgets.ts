import { type Kysely, sql } from 'kysely';
import type { Model } from '../agent/model.js';
import type { Limits } from '../config.js';
import { HotQuery } from '../store/hot.js';
import type { Database } from '../store/schema.js';
import { type Admission, type AdmissionClause, type Budgets, ModelBudgetExceeded } from './budgets.js';

/** Rows of minutes long past are removed this often. */
const SWEEP_MS = 10 * 60_000;
/** The most model calls one message reserves. */
const MAX_RESERVED = 4;
/** Visitors whose last turn's step count (or whose reservations) are remembered, about at most. */
const MAX_EXPECTED = 10_000;

function minuteOf(ms: number): string {
  return new Date(ms - (ms % 60_000)).toISOString();
}

/**
 * Per-visitor budgets shared by every node (docs/scaling.md): a count per visitor, budget and
 * minute in the database, raised with one atomic upsert per message or model step. Exact across
 * nodes within a minute; at a minute's edge a visitor may spend up to twice the per-minute budget
 * in a short burst (fixed windows, where the one-node token buckets refill smoothly).
 *
 * An admitted message also reserves, in the same statement, the model calls its turn is expected
 * to make (as many as the visitor's last turn on this node made, one at first: two for a tool call
 * and the answer, none while a person answers), as far as the budget allows. The turn's steps spend the reservation here without a round
 * trip; a step beyond it is charged as before, and what no step used (a person answers, one turn
 * answered two messages, a turn without a tool call) is given back when the visitor's turn ends, so
 * the count holds only calls made once turns end, and never lets a visitor past the budget.
 */
export class SharedBudgets implements Budgets {
  #sweep: NodeJS.Timeout;
  readonly #upsert: HotQuery<{ used: number | string }>;
  /** Model calls reserved by messages admitted on this node and not yet spent, per visitor key. */
  readonly #reserved = new Map<string, { minute: string; n: number }>();
  /**
   * Steps of each visitor's running turns on this node since none ran (their next message reserves
   * as many per turn), and how many of those turns ended.
   */
  readonly #steps = new Map<string, number>();
  readonly #ended = new Map<string, number>();
  /** Turns of each visitor running on this node (a visitor may chat in several conversations). */
  readonly #running = new Map<string, number>();
  /** Steps the visitor's last turn made, where not one (the default reservation). */
  readonly #expect = new Map<string, number>();

  constructor(
    private readonly db: Kysely<Database>,
    private readonly limits: Pick<Limits, 'messagesPerMinute' | 'modelCallsPerMinute'>,
    private readonly now: () => number = Date.now,
  ) {
    // A step past its reservation: SQL text (store/hot.ts), not a builder built per call.
    this.#upsert = new HotQuery(
      db,
      `INSERT INTO "visitor_budgets" ("key", "minute", "used") VALUES (?, ?, ?)
       ON CONFLICT ("key") DO UPDATE SET
         "used" = CASE WHEN "visitor_budgets"."minute" = excluded."minute"
           THEN "visitor_budgets"."used" + excluded."used" ELSE excluded."used" END,
         "minute" = excluded."minute"
       RETURNING "used"`,
    );
    this.#sweep = setInterval(() => void this.#forget().catch(() => {}), SWEEP_MS);
    this.#sweep.unref();
  }

  close(): void {
    clearInterval(this.#sweep);
  }

  /** Counts one use; resolves with the count of this minute including it. */
  async #use(key: string, amount: number): Promise<number> {
    const row = await this.#upsert.first([key, minuteOf(this.now()), amount]);
    if (!row) throw new Error('visitor budget upsert returned no row');
    return Number(row.used);
  }

  #retryAfterMs(): number {
    const t = this.now();
    return 60_000 - (t % 60_000);
  }

  /**
   * One statement per message: the message is counted only while the visitor's model calls of this
   * minute are under budget (a visitor out of model calls is told so, and the refused message is not
   * counted), then checked against the message budget; a message within it reserves model calls.
   * The visitor's own messages are admitted inside their append's statement instead
   * (admissionClause); this one is for a message stored some other way.
   */
  async admitMessage(key: string): Promise<Admission> {
    const clause = this.admissionClause(key);
    const { rows } = await sql<Record<string, unknown>>`WITH ${clause.ctes} SELECT ${clause.columns}`.execute(
      this.db,
    );
    return clause.settle(rows[0]);
  }

  /** admitMessage as WITH clauses of another statement (the visitor message's append). */
  admissionClause(key: string): AdmissionClause {
    const minute = minuteOf(this.now());
    const calls = `${key}:c`;
    const limit = this.limits.modelCallsPerMinute;
    const want = this.#expect.get(key) ?? 1;
    const ctes = sql`b_spent AS (
        SELECT used FROM visitor_budgets WHERE key = ${calls} AND minute = ${minute}
      ), b_ask AS (
        SELECT CASE WHEN COALESCE((SELECT used FROM b_spent), 0) + ${want} <= ${limit} THEN ${want} ELSE 1 END AS n
      ), b_message AS (
        INSERT INTO visitor_budgets (key, minute, used)
        SELECT ${`${key}:m`}, ${minute}, 1
        WHERE COALESCE((SELECT used FROM b_spent), 0) < ${limit}
        ON CONFLICT (key) DO UPDATE SET
          used = CASE WHEN visitor_budgets.minute = excluded.minute THEN visitor_budgets.used + 1 ELSE 1 END,
          minute = excluded.minute
        RETURNING used
      ), b_reserved AS (
        INSERT INTO visitor_budgets (key, minute, used)
        SELECT ${calls}, ${minute}, (SELECT n FROM b_ask) FROM b_message
        WHERE b_message.used <= ${this.limits.messagesPerMinute}
        ON CONFLICT (key) DO UPDATE SET
          used = CASE WHEN visitor_budgets.minute = excluded.minute
            THEN visitor_budgets.used + excluded.used ELSE excluded.used END,
          minute = excluded.minute
        RETURNING used
      )`;
    return {
      ctes,
      // Counted and within the message budget: exactly when b_reserved wrote its row.
      admitted: sql`EXISTS (SELECT 1 FROM b_message WHERE used <= ${this.limits.messagesPerMinute})`,
      columns: sql`(SELECT used FROM b_message) AS b_messages, (SELECT used FROM b_reserved) AS b_calls,
        (SELECT n FROM b_ask) AS b_asked`,
      settle: (row) => this.#settle(key, minute, row),
    };
  }

  #settle(key: string, minute: string, row: Record<string, unknown> | undefined): Admission {
    const limit = this.limits.modelCallsPerMinute;
    if (row?.b_messages == null)
      return { ok: false, code: 'model_budget', retryAfterMs: this.#retryAfterMs() };
    if (Number(row.b_messages) > this.limits.messagesPerMinute)
      return { ok: false, code: 'rate_limited', retryAfterMs: this.#retryAfterMs() };
    // Reserved within the budget: all asked for, unless another node spent calls meanwhile. Calls
    // counted past the budget reserve nothing; the turn's step is then charged (and refused).
    const asked = Number(row.b_asked);
    const within = Math.min(asked, limit - (Number(row.b_calls) - asked));
    if (within > 0) {
      // Reservations of messages no turn followed (a resend, a failed append) lapse with their minute.
      if (this.#reserved.size >= MAX_EXPECTED)
        for (const [k, r] of this.#reserved) if (r.minute !== minute) this.#reserved.delete(k);
      const r = this.#reserved.get(key);
      if (r?.minute === minute) r.n += within;
      else this.#reserved.set(key, { minute, n: within });
    }
    return { ok: true };
  }

  /** Spends a reservation of this minute, if this node holds one for the visitor. */
  #spendReserved(key: string): boolean {
    const r = this.#reserved.get(key);
    if (!r) return false;
    if (r.minute !== minuteOf(this.now())) {
      // Counted in a minute that is over: that count no longer limits anything.
      this.#reserved.delete(key);
      return false;
    }
    if (--r.n === 0) this.#reserved.delete(key);
    return true;
  }

  /** A turn of the visitor starts on this node (turnEnded follows it). */
  turnStarted(key: string): void {
    this.#running.set(key, (this.#running.get(key) ?? 0) + 1);
  }

  /**
   * The visitor's turn ended. Once no other turn of theirs runs on this node, reservations left
   * unspent are given back (one statement, only then), so the shared count holds only calls made
   * once their turns end; while another runs, it may still spend them (a visitor in two
   * conversations would otherwise give back, at each turn's end, what the other's steps then pay
   * for with a statement each). A turn still queued here for the visitor then pays for its own
   * steps, as every step without a reservation does.
   */
  async turnEnded(key: string): Promise<void> {
    const running = (this.#running.get(key) ?? 0) - 1;
    const ended = (this.#ended.get(key) ?? 0) + 1;
    if (running > 0) {
      this.#running.set(key, running);
      this.#ended.set(key, ended);
      return;
    }
    this.#running.delete(key);
    this.#ended.delete(key);
    // Steps per turn of the turns that ran together (one, mostly). None when the bot did not
    // answer (a person owns the conversation): the next message then reserves nothing, so nothing
    // is given back either.
    const steps = Math.min(Math.round((this.#steps.get(key) ?? 0) / ended), MAX_RESERVED);
    this.#steps.delete(key);
    if (steps === 1) this.#expect.delete(key);
    else {
      if (this.#expect.size >= MAX_EXPECTED) this.#expect.clear();
      this.#expect.set(key, steps);
    }
    const r = this.#reserved.get(key);
    if (!r) return;
    this.#reserved.delete(key);
    if (r.minute !== minuteOf(this.now())) return;
    await this.db
      .updateTable('visitor_budgets')
      .set((eb) => ({ used: eb('used', '-', r.n) }))
      .where('key', '=', `${key}:c`)
      .where('minute', '=', r.minute)
      .execute();
  }

  wrapModel(model: Model, key: string, onRefused: () => void = () => {}): Model {
    const take = async () => {
      this.#steps.set(key, (this.#steps.get(key) ?? 0) + 1);
      if (this.#spendReserved(key)) return;
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
