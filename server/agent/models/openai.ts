import OpenAI from 'openai';
import type {
  ChatCompletionCreateParamsStreaming,
  ChatCompletionMessageParam,
  ChatCompletionTool,
} from 'openai/resources/chat/completions';
import { type Model, ModelError, type ModelEvent, type ModelRequest, type ToolCall } from '../model.js';
import { type ChunkLike, parseArgs, ToolCallAccumulator } from './openai-accumulator.js';
import { errorKind, toModelError } from './provider-errors.js';
import { systemText, toolResultText } from './transcript.js';

export interface OpenAiOptions {
  baseURL: string;
  apiKey: string;
  model: string;
  /** Per request; the loop has its own per-step timeout too. */
  timeoutMs?: number;
}

/**
 * Any OpenAI-compatible Chat Completions endpoint (OpenAI, Ollama, vLLM, llama.cpp, LM Studio,
 * Groq), streaming with tool calls. The SDK is the transport only: its retries are off (the loop
 * retries, at most twice, docs/architecture.md §5) and chunks are accumulated here, to survive server quirks.
 */
export class OpenAiModel implements Model {
  readonly name = 'openai';
  readonly #client: OpenAI;

  constructor(private readonly opts: OpenAiOptions) {
    this.#client = new OpenAI({
      apiKey: opts.apiKey,
      baseURL: opts.baseURL,
      maxRetries: 0,
      timeout: opts.timeoutMs ?? 60_000,
    });
  }

  async *step(req: ModelRequest, signal: AbortSignal): AsyncIterable<ModelEvent> {
    const body = toRequest(req, this.opts.model);
    const acc = new ToolCallAccumulator();
    try {
      const stream = await this.#create(body, signal);
      for await (const chunk of stream) {
        const text = acc.push(chunk as ChunkLike);
        if (text) yield { type: 'text', text };
      }
    } catch (err) {
      throw toModelError(err, 'openai');
    }
    const reason = acc.reason();
    if (reason === null) throw new ModelError('openai: the stream ended without a finish reason', true);
    let calls = acc.calls();
    if (calls.some((c) => c.args === null)) calls = await this.#repairCalls(body, calls, signal);
    for (const call of calls) yield { type: 'tool_call', call };
    yield { type: 'done', reason };
  }

  /**
   * Creates the stream. Groq's `tool_use_failed` is the model's mistake: asked once more, then
   * asked for text. A server without tool calling enabled is a configuration error, said plainly.
   */
  async #create(body: ChatCompletionCreateParamsStreaming, signal: AbortSignal) {
    const create = (b: ChatCompletionCreateParamsStreaming) =>
      this.#client.chat.completions.create(b, { signal });
    try {
      return await create(body);
    } catch (err) {
      if (isToolUseFailed(err)) {
        try {
          return await create(body);
        } catch (again) {
          if (isToolUseFailed(again) && body.tools) return await create({ ...body, tool_choice: 'none' });
          throw again;
        }
      }
      const config = toolConfigProblem(err);
      if (config) throw new ModelError(`openai: ${config}`, false, 400);
      throw err;
    }
  }

  /**
   * Streamed arguments that do not parse (vLLM's Hermes parser, `arguments=None`): the same request
   * once more without streaming, and its calls if they parse. Nothing ran yet, so this is safe.
   */
  async #repairCalls(
    body: ChatCompletionCreateParamsStreaming,
    calls: ToolCall[],
    signal: AbortSignal,
  ): Promise<ToolCall[]> {
    try {
      const { stream: _stream, stream_options: _options, ...rest } = body;
      const res = await this.#client.chat.completions.create({ ...rest, stream: false }, { signal });
      const fixed = (res.choices[0]?.message.tool_calls ?? []).flatMap((c) =>
        c.type === 'function'
          ? [
              {
                id: c.id,
                name: c.function.name,
                args: parseArgs(c.function.arguments),
                rawArgs: c.function.arguments,
              },
            ]
          : [],
      );
      return fixed.length > 0 && fixed.every((c) => c.args !== null) ? fixed : calls;
    } catch {
      return calls;
    }
  }
}

function toRequest(req: ModelRequest, model: string): ChatCompletionCreateParamsStreaming {
  const messages: ChatCompletionMessageParam[] = [{ role: 'system', content: systemText(req) }];
  for (const m of req.messages) {
    if (m.role === 'user') messages.push({ role: 'user', content: m.text });
    else if (m.role === 'assistant' && m.toolCalls?.length) {
      messages.push({
        role: 'assistant',
        content: m.text || null,
        // The provider's own ids are sent back unchanged (vLLM + Mistral need exactly theirs).
        tool_calls: m.toolCalls.map((c) => ({
          id: c.id,
          type: 'function',
          function: { name: c.name, arguments: JSON.stringify(c.args ?? {}) },
        })),
      });
    } else if (m.role === 'assistant') messages.push({ role: 'assistant', content: m.text });
    else messages.push({ role: 'tool', tool_call_id: m.callId, content: toolResultText(m.result) });
  }
  const tools: ChatCompletionTool[] = req.tools.map((t) => ({
    type: 'function',
    function: { name: t.name, description: t.description, parameters: t.inputSchema },
  }));
  return {
    model,
    stream: true,
    stream_options: { include_usage: true },
    messages,
    ...(tools.length > 0 ? { tools, tool_choice: req.toolChoice } : {}),
  };
}

function isToolUseFailed(err: unknown): boolean {
  if (!(err instanceof OpenAI.APIError) || err.status !== 400) return false;
  return errorKind(err).code === 'tool_use_failed' || /tool call validation failed/i.test(err.message);
}

/** vLLM without `--enable-auto-tool-choice`, llama.cpp without `--jinja`. */
function toolConfigProblem(err: unknown): string | null {
  if (!(err instanceof OpenAI.APIError) || err.status !== 400) return null;
  if (/enable-auto-tool-choice|tool-call-parser/i.test(err.message)) {
    return 'the server has tool calling turned off (vLLM: start it with --enable-auto-tool-choice --tool-call-parser <parser>)';
  }
  if (/--jinja/i.test(err.message))
    return 'the server has tool calling turned off (llama.cpp: start it with --jinja)';
  return null;
}
