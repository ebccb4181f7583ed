import { ModelError } from '../agent/model.js';
import { ModelBudgetExceeded } from './budgets.js';

/** What the visitor is told when a turn fails: a polite coded error, never the exception. */
export function turnFailure(err: unknown): {
  code: 'model_budget' | 'model_unavailable' | 'internal';
  retryAfterMs?: number;
} {
  if (err instanceof ModelBudgetExceeded)
    return { code: 'model_budget', retryAfterMs: err.retryAfterMs ?? 60_000 };
  if (err instanceof ModelError) return { code: 'model_unavailable' };
  return { code: 'internal' };
}
