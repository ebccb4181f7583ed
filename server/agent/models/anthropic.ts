import Anthropic from '@anthropic-ai/sdk';
import { type Model, ModelError, type ModelEvent, type ModelRequest, type ToolCall } from '../model.js';
import { parseArgs } from './openai-accumulator.js';
import { toModelError } from './provider-errors.js';
import { systemText, toolResultText } from './transcript.js';

export interface AnthropicOptions {
  apiKey: string;
  baseURL?: string;
  model: string;
  maxTokens?: number;
  timeoutMs?: number;
}

type MessageParam = Anthropic.Messages.MessageParam;
type ContentBlockParam = Anthropic.Messages.ContentBlockParam;

/**
 * The Anthropic Messages API, streaming `tool_use` (docs/agent.md Q2). SDK retries are off (the loop
 * retries); an `event: error` after HTTP 200 (`overloaded_error`) surfaces as a retryable
 * ModelError, and the loop discards the partial step before trying again.
 */
export class AnthropicModel implements Model {
  readonly name = 'anthropic';
  readonly #client: Anthropic;

  constructor(private readonly opts: AnthropicOptions) {
    this.#client = new Anthropic({
      apiKey: opts.apiKey,
      ...(opts.baseURL ? { baseURL: opts.baseURL } : {}),
      maxRetries: 0,
      timeout: opts.timeoutMs ?? 60_000,
      // The documented Messages API header (docs/agent.md Q2.1); gateways and proxies expect it.
      defaultHeaders: { 'x-api-key': opts.apiKey },
    });
  }

  async *step(req: ModelRequest, signal: AbortSignal): AsyncIterable<ModelEvent> {
    const blocks = new Map<
      number,
      { kind: 'text' } | { kind: 'tool'; id: string; name: string; json: string }
    >();
    const calls: ToolCall[] = [];
    let stop: string | null = null;
    let ended = false;
    try {
      const stream = await this.#client.messages.create(toRequest(req, this.opts), { signal });
      for await (const ev of stream) {
        if (ev.type === 'content_block_start') {
          const b = ev.content_block;
          blocks.set(
            ev.index,
            b.type === 'tool_use' ? { kind: 'tool', id: b.id, name: b.name, json: '' } : { kind: 'text' },
          );
          if (b.type === 'text' && b.text) yield { type: 'text', text: b.text };
        } else if (ev.type === 'content_block_delta') {
          const block = blocks.get(ev.index);
          if (ev.delta.type === 'text_delta' && ev.delta.text) yield { type: 'text', text: ev.delta.text };
          else if (ev.delta.type === 'input_json_delta' && block?.kind === 'tool')
            block.json += ev.delta.partial_json;
        } else if (ev.type === 'content_block_stop') {
          // Pieces are joined per index and parsed at the block's end; an empty join is `{}`.
          const block = blocks.get(ev.index);
          if (block?.kind === 'tool') {
            calls.push({
              id: block.id,
              name: block.name,
              args: parseArgs(block.json),
              rawArgs: block.json || '{}',
            });
          }
        } else if (ev.type === 'message_delta') stop = ev.delta.stop_reason ?? stop;
        else if (ev.type === 'message_stop') ended = true;
      }
    } catch (err) {
      throw toModelError(err, 'anthropic');
    }
    if (!ended) throw new ModelError('anthropic: the stream ended before message_stop', true);
    for (const call of calls) yield { type: 'tool_call', call };
    yield {
      type: 'done',
      reason: calls.length > 0 ? 'tool_calls' : stop === 'max_tokens' ? 'length' : 'stop',
    };
  }
}

function toRequest(
  req: ModelRequest,
  opts: AnthropicOptions,
): Anthropic.Messages.MessageCreateParamsStreaming {
  const messages: MessageParam[] = [];
  // Consecutive tool results travel together in one user message, tool_result blocks first (docs/agent.md Q2.3).
  let pendingResults: ContentBlockParam[] = [];
  const flush = () => {
    if (pendingResults.length > 0) messages.push({ role: 'user', content: pendingResults });
    pendingResults = [];
  };
  for (const m of req.messages) {
    if (m.role === 'tool') {
      pendingResults.push({
        type: 'tool_result',
        tool_use_id: m.callId,
        content: toolResultText(m.result),
        ...(m.result.isError ? { is_error: true } : {}),
      });
      continue;
    }
    flush();
    if (m.role === 'user') messages.push({ role: 'user', content: m.text });
    else if (m.toolCalls?.length) {
      const content: ContentBlockParam[] = m.text ? [{ type: 'text', text: m.text }] : [];
      for (const c of m.toolCalls)
        content.push({ type: 'tool_use', id: c.id, name: c.name, input: c.args ?? {} });
      messages.push({ role: 'assistant', content });
    } else messages.push({ role: 'assistant', content: m.text || '…' });
  }
  flush();
  const tools: Anthropic.Messages.Tool[] = req.tools.map((t) => ({
    name: t.name,
    description: t.description,
    input_schema: t.inputSchema as Anthropic.Messages.Tool.InputSchema,
  }));
  return {
    model: opts.model,
    max_tokens: opts.maxTokens ?? 1024,
    system: systemText(req),
    stream: true,
    messages,
    ...(tools.length > 0
      ? {
          tools,
          tool_choice:
            req.toolChoice === 'none' ? { type: 'none' } : { type: 'auto', disable_parallel_tool_use: false },
        }
      : {}),
  };
}
