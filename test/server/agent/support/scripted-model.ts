import type { Model, ModelEvent, ModelRequest, ToolCall } from '../../../../server/agent/model.js';

/** One scripted step: events to yield, or an error to throw (optionally after some events). */
export type ScriptedStep =
  | ModelEvent[]
  | { events?: ModelEvent[]; throw: Error }
  | { hang: true }
  | ((req: ModelRequest) => ModelEvent[]);

/** A model that plays a script, one entry per step, and records every request it was given. */
export class ScriptedModel implements Model {
  readonly name = 'scripted';
  readonly requests: ModelRequest[] = [];
  #i = 0;

  constructor(private readonly script: ScriptedStep[] | ((req: ModelRequest, i: number) => ScriptedStep)) {}

  get steps(): number {
    return this.#i;
  }

  async *step(req: ModelRequest, signal: AbortSignal): AsyncIterable<ModelEvent> {
    // A deep copy: the loop keeps appending to the same transcript.
    this.requests.push(structuredClone(req));
    const i = this.#i++;
    const entry = typeof this.script === 'function' ? this.script(req, i) : this.script[i];
    if (!entry) throw new Error(`script has no step ${i}`);
    if (typeof entry === 'function') {
      yield* entry(req);
      return;
    }
    if (Array.isArray(entry)) {
      yield* entry;
      return;
    }
    if ('hang' in entry) {
      await new Promise((_, reject) =>
        signal.addEventListener('abort', () => reject(signal.reason), { once: true }),
      );
      return;
    }
    yield* entry.events ?? [];
    throw entry.throw;
  }
}

let n = 0;

/** A tool call event. */
export function call(name: string, args: Record<string, unknown> | null, rawArgs?: string): ModelEvent {
  const c: ToolCall = { id: `call_${++n}`, name, args, rawArgs: rawArgs ?? JSON.stringify(args) };
  return { type: 'tool_call', call: c };
}

export const say = (text: string): ModelEvent[] => [
  { type: 'text', text },
  { type: 'done', reason: 'stop' },
];

export const calls = (...events: ModelEvent[]): ModelEvent[] => [
  ...events,
  { type: 'done', reason: 'tool_calls' },
];
