/**
 * The provider-neutral model interface (docs/architecture.md §5). The loop speaks only this; adapters translate it
 * to a provider's wire format (models/openai.ts, models/anthropic.ts) or answer offline (models/rules.ts).
 */

export interface ToolCall {
  id: string;
  name: string;
  /** Parsed arguments; `null` when the model's JSON could not be parsed (the loop reports that back). */
  args: Record<string, unknown> | null;
  /** The raw argument text as the model sent it, for error reports. */
  rawArgs: string;
}

/** The result of one tool call, as the model sees it: bounded text marked as data. */
export interface ToolResultForModel {
  isError: boolean;
  /** JSON text of the structured result, or a short error. Never instructions. */
  text: string;
  /** Parsed structured content, for models that read fields (the rules model). */
  data: Record<string, unknown> | null;
}

export type ChatMessage =
  | { role: 'user'; text: string }
  | { role: 'assistant'; text: string; toolCalls?: ToolCall[] }
  | { role: 'tool'; callId: string; name: string; result: ToolResultForModel };

export interface ToolSpec {
  name: string;
  description: string;
  inputSchema: Record<string, unknown>;
  readOnly: boolean;
}

export interface ModelRequest {
  system: string;
  messages: readonly ChatMessage[];
  /** The visitor's tools (providers need them declared whenever the transcript holds tool calls). */
  tools: readonly ToolSpec[];
  /** `none` when the loop wants a plain answer (a cap was reached): the model must not call tools. */
  toolChoice: 'auto' | 'none';
  /** Facts about the visitor the model may use (never a way to pick another customer). */
  visitor: {
    name: string | null;
    anonymous: boolean;
    locale: string;
    /** Default country for phone numbers typed without a country code (ISO 3166 alpha-2). */
    phoneCountry?: string;
  };
}

export type ModelEvent =
  | { type: 'text'; text: string }
  | { type: 'tool_call'; call: ToolCall }
  | { type: 'done'; reason: 'stop' | 'tool_calls' | 'length' | 'error' };

/**
 * A provider failure. `retryable` ones (429, 5xx, 529, a stream cut mid-way, a step timeout) are
 * retried by the loop with backoff; the others (bad key, bad request, misconfigured server) are not.
 */
export class ModelError extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
    readonly status?: number,
    /** The provider's `retry-after`, when it sent one. */
    readonly retryAfterMs?: number,
  ) {
    super(message);
    this.name = 'ModelError';
  }
}

export interface Model {
  readonly name: string;
  /** One model step: streams text and tool calls, ends with `done`. */
  step(req: ModelRequest, signal: AbortSignal): AsyncIterable<ModelEvent>;
  /** Optional warm-up at boot (the rules model trains its classifier here, once per process). */
  warm?(): Promise<void>;
}

/**
 * A step refused before it reached the provider (the visitor's model budget is spent). The loop
 * does not answer it with an apology: the turn ends and the gateway sends its coded error
 * (`model_budget` with `retryAfterMs`, issue #14).
 */
export class ModelRefused extends ModelError {
  constructor(message: string, retryAfterMs: number) {
    super(message, false, 429, retryAfterMs);
    this.name = 'ModelRefused';
  }
}
