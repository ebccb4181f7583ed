import { type Model, ModelRefused } from '../agent/model.js';
import type { Limits } from '../config.js';
import type { AppendGate } from '../store/conversations.js';
import { TokenBucket } from './rate-limit.js';

/**
 * A model step refused because the visitor used up their model calls for the minute. Not
 * retryable, and the loop rethrows it: it ends the turn as it is, told as `model_budget`.
 */
export class ModelBudgetExceeded extends ModelRefused {
  constructor(retryAfterMs: number) {
    super('model call budget exceeded', retryAfterMs);
    this.name = 'ModelBudgetExceeded';
  }
}

export type Admission =
  | { ok: true }
  | { ok: false; code: 'rate_limited' | 'model_budget'; retryAfterMs: number };

/**
 * A message's admission as parts of the store's append of the visitor message (PostgreSQL): admitting
 * and storing the message are one round trip and one transaction. Its WITH clauses' names start
 * with `b_`.
 */
export type AdmissionClause = AppendGate<Admission>;

/** Per-visitor budgets: in this process (one node), or shared by every node (shared-budgets.ts). */
export interface Budgets {
  /**
   * Admits one visitor message: refused with the code to show when the visitor is over their
   * message budget, or has no model call left to answer it with.
   */
  admitMessage(key: string): Admission | Promise<Admission>;
  /**
   * The same admission as parts of the statement that stores the message (budgets kept in the
   * database only); absent where admitting costs no round trip.
   */
  admissionClause?(key: string): AdmissionClause;
  /** The model, with every step charged to this visitor's budget. */
  wrapModel(model: Model, key: string, onRefused?: () => void): Model;
  /** A turn of this visitor starts (its end is told with turnEnded). */
  turnStarted?(key: string): void;
  /** A turn of this visitor ended: what its messages reserved and no step spent is given back. */
  turnEnded?(key: string): Promise<void>;
}

interface VisitorBudget {
  messages: TokenBucket;
  modelCalls: TokenBucket;
}

/** Beyond this many tracked visitors, buckets that are full again are forgotten. */
const SWEEP_AT = 10_000;

/**
 * Per-visitor budgets across all their tabs (keyed `<site>:<sub>`): visitor messages per minute and
 * model steps per minute. An abusive visitor cannot run up the model bill by opening more sockets.
 */
export class VisitorBudgets implements Budgets {
  readonly #budgets = new Map<string, VisitorBudget>();

  constructor(private readonly limits: Pick<Limits, 'messagesPerMinute' | 'modelCallsPerMinute'>) {}

  #get(key: string): VisitorBudget {
    let b = this.#budgets.get(key);
    if (!b) {
      if (this.#budgets.size >= SWEEP_AT) this.#sweep();
      const { messagesPerMinute: m, modelCallsPerMinute: c } = this.limits;
      b = { messages: new TokenBucket(m, m / 60), modelCalls: new TokenBucket(c, c / 60) };
      this.#budgets.set(key, b);
    }
    return b;
  }

  #sweep(): void {
    for (const [key, b] of this.#budgets) {
      if (b.messages.idle() && b.modelCalls.idle()) this.#budgets.delete(key);
    }
  }

  /**
   * Admits one visitor message: refused with the code to show when the visitor is over their
   * message budget, or has no model call left to answer it with.
   */
  admitMessage(key: string): Admission {
    const b = this.#get(key);
    if (!b.modelCalls.available())
      return { ok: false, code: 'model_budget', retryAfterMs: b.modelCalls.retryAfterMs() };
    if (!b.messages.take())
      return { ok: false, code: 'rate_limited', retryAfterMs: b.messages.retryAfterMs() };
    return { ok: true };
  }

  /** The model, with every step charged to this visitor's budget. */
  wrapModel(model: Model, key: string, onRefused: () => void = () => {}): Model {
    const take = () => {
      const b = this.#get(key);
      if (b.modelCalls.take()) return;
      onRefused();
      throw new ModelBudgetExceeded(b.modelCalls.retryAfterMs());
    };
    return {
      name: model.name,
      step(req, signal) {
        take();
        return model.step(req, signal);
      },
    };
  }
}
