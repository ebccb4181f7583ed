import { type Model, ModelError } from '../agent/model.js';
import type { Metrics } from '../metrics.js';

/**
 * The model, with each step timed and each failed step counted. The loop turns a failed step into a
 * polite reply (after its retries), so the turn itself succeeds: the model is where errors show.
 */
export function meterModel(model: Model, metrics: Metrics): Model {
  return {
    name: model.name,
    async *step(req, signal) {
      const started = performance.now();
      try {
        yield* model.step(req, signal);
        metrics.modelSeconds.observe(
          { model: model.name, outcome: 'ok' },
          (performance.now() - started) / 1000,
        );
      } catch (err) {
        const retryable = err instanceof ModelError ? err.retryable : true;
        metrics.modelErrors.inc({ model: model.name, retryable: String(retryable) });
        metrics.modelSeconds.observe(
          { model: model.name, outcome: 'error' },
          (performance.now() - started) / 1000,
        );
        throw err;
      }
    },
  };
}
