import { setTimeout as sleep } from 'node:timers/promises';
import { linkedSignal, type StepSignals } from './linked-signal.js';
import { type Model, ModelError, type ModelRequest, type ToolCall } from './model.js';

export interface StepOptions {
  stepTimeoutMs: number;
  /** Retries after the first attempt (docs/architecture.md §5: at most two). */
  maxRetries: number;
  /** First backoff; doubled per retry, with up to 25% jitter, capped by `maxBackoffMs`. */
  backoffMs: number;
  maxBackoffMs: number;
}

export interface StepOutcome {
  text: string;
  calls: ToolCall[];
  reason: 'stop' | 'tool_calls' | 'length' | 'error';
  /** Attempts that failed and were retried. */
  retries: number;
}

/**
 * Runs one model step, streaming text through `onText`. A retryable failure (429/5xx/529, a stream
 * cut mid-way, the step timing out) discards the partial step and runs it again after a backoff,
 * at most `maxRetries` times; text the retry repeats is not streamed a second time (when it says
 * something else, the stored message is what the widget keeps). Tool calls are only returned from a completed step, so a retry can
 * never execute a write twice: nothing of a failed attempt was executed.
 */
export async function runModelStep(
  model: Model,
  req: ModelRequest,
  opts: StepOptions,
  onText: (text: string) => void,
  signal: AbortSignal,
  /** The turn's step signals (one AbortController for its steps); absent: one per attempt. */
  steps?: StepSignals,
): Promise<StepOutcome> {
  // What the visitor has already seen of this step, across attempts: a retry that says the same
  // thing again only streams what is new, so a mid-stream failure does not show a sentence twice.
  let shown = '';
  for (let attempt = 0; ; attempt++) {
    let mine = '';
    const onAttemptText = (chunk: string) => {
      const before = mine;
      mine += chunk;
      if (shown.startsWith(mine)) return;
      const fresh = mine.startsWith(shown) ? mine.slice(Math.max(before.length, shown.length)) : chunk;
      shown = mine;
      if (fresh) onText(fresh);
    };
    try {
      return {
        ...(await attemptStep(model, req, opts.stepTimeoutMs, onAttemptText, signal, steps)),
        retries: attempt,
      };
    } catch (err) {
      if (signal.aborted) throw err;
      const failure = asModelError(err);
      if (!failure.retryable || attempt >= opts.maxRetries) throw failure;
      const backoff = Math.min(opts.backoffMs * 2 ** attempt, opts.maxBackoffMs);
      const jittered = backoff + Math.random() * backoff * 0.25;
      await sleep(Math.min(Math.max(jittered, failure.retryAfterMs ?? 0), opts.maxBackoffMs), undefined, {
        signal,
      });
    }
  }
}

async function attemptStep(
  model: Model,
  req: ModelRequest,
  timeoutMs: number,
  onText: (text: string) => void,
  outer: AbortSignal,
  steps: StepSignals | undefined,
): Promise<Omit<StepOutcome, 'retries'>> {
  const linked = steps ? steps.next(timeoutMs) : linkedSignal([outer], timeoutMs);
  const { signal } = linked;
  const calls: ToolCall[] = [];
  let text = '';
  let reason: StepOutcome['reason'] | null = null;
  const events = model.step(req, signal)[Symbol.asyncIterator]();
  // A model that stops yielding (a stalled stream) is cut off by the timeout even if it ignores the signal.
  let onAbort: (() => void) | undefined;
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => reject(linked.timedOut() ? timeoutError(timeoutMs) : outer.reason);
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
  });
  aborted.catch(() => {});
  try {
    for (;;) {
      const next = await Promise.race([events.next(), aborted]);
      if (next.done) break;
      const ev = next.value;
      if (ev.type === 'text') {
        text += ev.text;
        onText(ev.text);
      } else if (ev.type === 'tool_call') calls.push(ev.call);
      else reason = ev.reason;
    }
  } catch (err) {
    void events.return?.(undefined)?.catch(() => {});
    if (linked.timedOut() && !outer.aborted) throw timeoutError(timeoutMs);
    throw err;
  } finally {
    // The signal may serve the turn's next step: this step's listener goes.
    if (onAbort) signal.removeEventListener('abort', onAbort);
    linked.dispose();
  }
  if (reason === 'error') throw new ModelError('the model reported an error', true);
  // A stream that ended without saying how is a cut stream (docs/agent.md Q1.3: usage may be missing too).
  if (reason === null) throw new ModelError('the model stream ended early', true);
  return { text, calls, reason };
}

function timeoutError(ms: number): ModelError {
  return new ModelError(`the model step took longer than ${ms} ms`, true);
}

function asModelError(err: unknown): ModelError {
  if (err instanceof ModelError) return err;
  // Anything else thrown by an adapter is a network-level failure (reset, DNS): worth one more try.
  return new ModelError(err instanceof Error ? err.message : 'model step failed', true);
}
