import type { ToolCall } from '../model.js';

/** The parts of a streamed Chat Completions chunk we read; everything else is ignored (vLLM extras). */
export interface ChunkLike {
  choices?: {
    delta?: {
      content?: string | null;
      tool_calls?: {
        index?: number;
        id?: string | null;
        function?: { name?: string | null; arguments?: unknown } | null;
      }[];
    } | null;
    finish_reason?: string | null;
  }[];
}

interface Slot {
  index: number | undefined;
  id: string | null;
  name: string;
  args: string;
}

/**
 * Accumulates streamed tool-call fragments, tolerating the quirks of OpenAI-compatible servers
 * (docs/agent.md Q1.5): a new `id` at a seen `index` opens a new call (Ollama parallel calls all at
 * index 0); a missing `index` continues the current call (old Ollama); `arguments` sent as an object
 * is stringified (Ollama behind proxies); `null` arguments are nothing; `""` means `{}`.
 */
export class ToolCallAccumulator {
  readonly #slots: Slot[] = [];
  #current: Slot | null = null;
  finishReason: string | null = null;

  /** Feeds one chunk; returns its text content, if any. Chunks with no choices (usage) are fine. */
  push(chunk: ChunkLike): string {
    const choice = chunk.choices?.[0];
    if (!choice) return '';
    if (choice.finish_reason) this.finishReason = choice.finish_reason;
    for (const frag of choice.delta?.tool_calls ?? []) this.#fragment(frag);
    const content = choice.delta?.content;
    return typeof content === 'string' ? content : '';
  }

  #fragment(
    frag: NonNullable<NonNullable<NonNullable<ChunkLike['choices']>[number]['delta']>['tool_calls']>[number],
  ) {
    const id = typeof frag.id === 'string' && frag.id.length > 0 ? frag.id : null;
    let slot: Slot | null = null;
    if (frag.index === undefined) slot = this.#current;
    else {
      const atIndex = this.#slots.filter((s) => s.index === frag.index).at(-1) ?? null;
      slot = atIndex && (id === null || atIndex.id === null || atIndex.id === id) ? atIndex : null;
    }
    if (id !== null && slot && slot.id !== null && slot.id !== id) slot = null;
    if (!slot) {
      slot = { index: frag.index ?? this.#slots.length, id, name: '', args: '' };
      this.#slots.push(slot);
    }
    if (id !== null && slot.id === null) slot.id = id;
    const name = frag.function?.name;
    if (typeof name === 'string' && name.length > 0 && !slot.name.endsWith(name)) slot.name += name;
    const args = frag.function?.arguments;
    if (typeof args === 'string') slot.args += args;
    else if (args && typeof args === 'object') slot.args += JSON.stringify(args);
    this.#current = slot;
  }

  /** The accumulated calls, arguments parsed; `args: null` for JSON that does not parse. */
  calls(): ToolCall[] {
    return this.#slots
      .filter((s) => s.name.length > 0)
      .map((s, i) => ({ id: s.id ?? `call_${i}`, name: s.name, args: parseArgs(s.args), rawArgs: s.args }));
  }

  /**
   * The step's outcome: calls present ⇒ `tool_calls` whatever the server said (Ollama, Gemini report
   * `stop`); `tool_calls` with no calls ⇒ `stop` (LM Studio). Null when the stream never finished.
   */
  reason(): 'stop' | 'tool_calls' | 'length' | null {
    if (this.calls().length > 0) return 'tool_calls';
    if (this.finishReason === null) return null;
    return this.finishReason === 'length' ? 'length' : 'stop';
  }
}

/** `""` (and whitespace) → `{}`; a JSON object → itself in a null-prototype copy; anything else → null. */
export function parseArgs(raw: string): Record<string, unknown> | null {
  if (raw.trim() === '') return {};
  try {
    const parsed: unknown = JSON.parse(raw);
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) return null;
    // Null-prototype copy: a `__proto__` key stays a plain (rejected) property, never a prototype (F7).
    return Object.assign(Object.create(null) as Record<string, unknown>, parsed);
  } catch {
    return null;
  }
}
