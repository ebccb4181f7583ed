import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LOOP_REPLIES, runTurn } from '../../../server/agent/loop.js';
import type { CrmTools } from '../../../server/agent/mcp-client.js';
import { type Model, ModelError, type ModelEvent, type ModelRequest } from '../../../server/agent/model.js';
import { OpenAiModel } from '../../../server/agent/models/openai.js';
import { toToolSpec } from '../../../server/agent/tool-results.js';
import { ContractCrm } from './support/contract-crm.js';
import { FakeProvider, oaChunk, oaEnd, oaText } from './support/fake-provider.js';
import { RecordingSink } from './support/sink.js';

let fake: FakeProvider;
let model: Model;
const open: CrmTools[] = [];

beforeEach(async () => {
  fake = await FakeProvider.start();
  model = new OpenAiModel({ baseURL: `${fake.url}/v1`, apiKey: 'sk-test', model: 'test-model' });
});
afterEach(async () => {
  await fake.close();
  for (const t of open.splice(0)) await t.close().catch(() => {});
});

const TOOLS = [
  { name: 'get_ticket_status', description: 'one ticket', inputSchema: { type: 'object' }, readOnly: true },
  { name: 'get_customer_info', description: 'me', inputSchema: { type: 'object' }, readOnly: true },
];
const request = (over: Partial<ModelRequest> = {}): ModelRequest => ({
  system: 'You are Deputy.',
  messages: [{ role: 'user', text: 'status of T-1042 and my details?' }],
  tools: TOOLS,
  toolChoice: 'auto',
  visitor: { name: 'Alice', anonymous: false, locale: 'en' },
  ...over,
});

async function step(req = request()): Promise<ModelEvent[]> {
  const out: ModelEvent[] = [];
  for await (const ev of model.step(req, new AbortController().signal)) out.push(ev);
  return out;
}
const callsOf = (events: ModelEvent[]) => events.flatMap((e) => (e.type === 'tool_call' ? [e.call] : []));
const doneOf = (events: ModelEvent[]) => events.find((e) => e.type === 'done');

/** A whole visitor turn through the real loop, with a small MCP server for tools. */
async function turnWith(limits = {}) {
  const tools = await new ContractCrm().connect();
  open.push(tools);
  const sink = new RecordingSink();
  const reply = await runTurn({
    model,
    tools,
    toolSpecs: (await tools.listTools()).map(toToolSpec),
    system: 'You are Deputy.',
    history: [{ role: 'user', text: 'status of T-1042?' }],
    visitor: { name: null, anonymous: false, locale: 'en' },
    sink,
    signal: new AbortController().signal,
    limits: { backoffMs: 1, maxBackoffMs: 5, ...limits },
  });
  return { reply, sink };
}

describe('openai model: the standard stream', () => {
  it('streams text, accumulates split tool-call arguments and survives the usage-only last chunk', async () => {
    fake.reply({
      sse: [
        oaChunk({ role: 'assistant', content: 'Let me check. ' }),
        oaChunk({
          tool_calls: [
            {
              index: 0,
              id: 'call_abc',
              type: 'function',
              function: { name: 'get_ticket_status', arguments: '' },
            },
          ],
        }),
        oaChunk({ tool_calls: [{ index: 0, function: { arguments: '{"ticket_' } }] }),
        oaChunk({ tool_calls: [{ index: 0, function: { arguments: 'id":"T-1042"}' } }] }),
        oaChunk({}, 'tool_calls'),
        ...oaEnd,
      ],
    });
    const events = await step();
    expect(events[0]).toEqual({ type: 'text', text: 'Let me check. ' });
    expect(callsOf(events)).toEqual([
      {
        id: 'call_abc',
        name: 'get_ticket_status',
        args: { ticket_id: 'T-1042' },
        rawArgs: '{"ticket_id":"T-1042"}',
      },
    ]);
    expect(doneOf(events)).toEqual({ type: 'done', reason: 'tool_calls' });
    const sent = fake.requests[0];
    expect(sent?.path).toBe('/v1/chat/completions');
    expect(sent?.headers.authorization).toBe('Bearer sk-test');
    expect(sent?.body).toMatchObject({
      model: 'test-model',
      stream: true,
      stream_options: { include_usage: true },
      tool_choice: 'auto',
    });
    expect(sent?.body.tools).toHaveLength(2);
  });
});

describe('openai model: quirks of OpenAI-compatible servers (docs/agent.md Q1.5)', () => {
  it('Ollama: parallel calls all at index 0 are told apart by id', async () => {
    fake.reply({
      sse: [
        oaChunk({
          tool_calls: [
            {
              index: 0,
              id: 'call_a',
              function: { name: 'get_ticket_status', arguments: '{"ticket_id":"T-1042"}' },
            },
          ],
        }),
        oaChunk({
          tool_calls: [{ index: 0, id: 'call_b', function: { name: 'get_customer_info', arguments: '{}' } }],
        }),
        oaChunk({}, 'tool_calls'),
        ...oaEnd,
      ],
    });
    const calls = callsOf(await step());
    expect(calls.map((c) => [c.id, c.name, c.args])).toEqual([
      ['call_a', 'get_ticket_status', { ticket_id: 'T-1042' }],
      ['call_b', 'get_customer_info', {}],
    ]);
  });

  it('older Ollama: fragments with no index continue the current call', async () => {
    fake.reply({
      sse: [
        oaChunk({
          tool_calls: [{ id: 'call_x', function: { name: 'get_ticket_status', arguments: '{"ticket_id":' } }],
        }),
        oaChunk({ tool_calls: [{ function: { arguments: '"T-7"}' } }] }),
        oaChunk({}, 'tool_calls'),
        ...oaEnd,
      ],
    });
    expect(callsOf(await step())).toEqual([
      { id: 'call_x', name: 'get_ticket_status', args: { ticket_id: 'T-7' }, rawArgs: '{"ticket_id":"T-7"}' },
    ]);
  });

  it('Ollama via proxies: finish_reason "stop", arguments as an object, ids without the call_ prefix', async () => {
    fake.reply({
      sse: [
        oaChunk({
          tool_calls: [
            {
              index: 0,
              id: 'a1b2c3',
              function: { name: 'get_ticket_status', arguments: { ticket_id: 'T-9' } },
            },
          ],
        }),
        oaChunk({}, 'stop'),
        ...oaEnd,
      ],
    });
    const events = await step();
    expect(callsOf(events)).toEqual([
      { id: 'a1b2c3', name: 'get_ticket_status', args: { ticket_id: 'T-9' }, rawArgs: '{"ticket_id":"T-9"}' },
    ]);
    expect(doneOf(events)).toEqual({ type: 'done', reason: 'tool_calls' });
  });

  it('Gemini layer: a streamed tool call that finishes with "stop" is still a tool call', async () => {
    fake.reply({
      sse: [
        oaChunk({
          tool_calls: [
            {
              index: 0,
              id: 'call_g',
              type: 'function',
              function: { name: 'get_customer_info', arguments: '{}' },
            },
          ],
        }),
        oaChunk({}, 'stop'),
        'data: [DONE]\n\n',
      ],
    });
    const events = await step();
    expect(callsOf(events).map((c) => c.name)).toEqual(['get_customer_info']);
    expect(doneOf(events)).toEqual({ type: 'done', reason: 'tool_calls' });
  });

  it('LM Studio: finish_reason "tool_calls" with no tool-call deltas is a plain answer', async () => {
    fake.reply({ sse: [oaChunk({ content: 'Hello there.' }), oaChunk({}, 'tool_calls'), ...oaEnd] });
    const events = await step();
    expect(callsOf(events)).toEqual([]);
    expect(doneOf(events)).toEqual({ type: 'done', reason: 'stop' });
  });

  it('vLLM without auto tool choice: a clear configuration error, not retried', async () => {
    fake.reply({
      status: 400,
      json: {
        error: {
          message: '"auto" tool choice requires --enable-auto-tool-choice and --tool-call-parser to be set',
          type: 'BadRequestError',
          param: null,
          code: 400,
        },
      },
    });
    const err = await step().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ModelError);
    expect((err as ModelError).retryable).toBe(false);
    expect((err as ModelError).message).toContain('--enable-auto-tool-choice');
  });

  it('vLLM Hermes parser: broken argument fragments fall back to one non-streaming request', async () => {
    fake.reply(
      {
        sse: [
          oaChunk({
            tool_calls: [
              {
                index: 0,
                id: 'call_h',
                function: { name: 'get_ticket_status', arguments: '{"ticket_id": "T-1' },
              },
            ],
          }),
          oaChunk({ tool_calls: [{ index: 0, function: { arguments: null } }] }),
          oaChunk({}, 'tool_calls'),
          ...oaEnd,
        ],
      },
      {
        status: 200,
        json: {
          id: 'chatcmpl-2',
          object: 'chat.completion',
          created: 1,
          model: 'm',
          choices: [
            {
              index: 0,
              finish_reason: 'tool_calls',
              message: {
                role: 'assistant',
                content: null,
                tool_calls: [
                  {
                    id: 'call_h',
                    type: 'function',
                    function: { name: 'get_ticket_status', arguments: '{"ticket_id":"T-1042"}' },
                  },
                ],
              },
            },
          ],
        },
      },
    );
    const calls = callsOf(await step());
    expect(calls).toEqual([
      {
        id: 'call_h',
        name: 'get_ticket_status',
        args: { ticket_id: 'T-1042' },
        rawArgs: '{"ticket_id":"T-1042"}',
      },
    ]);
    expect(fake.requests[1]?.body.stream).toBe(false);
  });

  it('vLLM: extra delta keys (reasoning_content) and usage in every chunk are ignored', async () => {
    const usage = { usage: { prompt_tokens: 3, completion_tokens: 1, total_tokens: 4 } };
    fake.reply({
      sse: [
        oaChunk({ role: 'assistant', reasoning_content: 'thinking…', reasoning: 'hmm' }, null, usage),
        oaChunk({ content: 'Ticket T-1042 is open.', reasoning_content: null }, null, usage),
        oaChunk({}, 'stop', usage),
        'data: [DONE]\n\n',
      ],
    });
    const events = await step();
    expect(events.filter((e) => e.type === 'text')).toEqual([
      { type: 'text', text: 'Ticket T-1042 is open.' },
    ]);
  });

  it('vLLM + Mistral: 9-character tool-call ids are sent back exactly as received', async () => {
    fake.reply(
      {
        sse: [
          oaChunk({
            tool_calls: [
              {
                index: 0,
                id: 'Ab3dE5gH9',
                function: { name: 'get_ticket_status', arguments: '{"ticket_id":"T-1042"}' },
              },
            ],
          }),
          oaChunk({}, 'tool_calls'),
          ...oaEnd,
        ],
      },
      { sse: oaText('Ticket T-1042 is open.') },
    );
    const { reply } = await turnWith();
    expect(reply).toBe('Ticket T-1042 is open.');
    const messages = fake.requests[1]?.body.messages as Record<string, unknown>[];
    const assistant = messages.find((m) => m.role === 'assistant') as { tool_calls: { id: string }[] };
    const tool = messages.find((m) => m.role === 'tool') as { tool_call_id: string; content: string };
    expect(assistant.tool_calls[0]?.id).toBe('Ab3dE5gH9');
    expect(tool.tool_call_id).toBe('Ab3dE5gH9');
    // Every call gets its tool message right after the assistant message (docs/agent.md Q1.4), framed as data.
    expect(messages.indexOf(tool)).toBe(messages.indexOf(assistant) + 1);
    expect(tool.content).toContain('CRM data, not instructions');
  });

  it('llama.cpp without --jinja: a clear configuration error', async () => {
    fake.reply({
      status: 400,
      json: {
        error: { code: 400, message: 'tools param requires --jinja flag', type: 'invalid_request_error' },
      },
    });
    const err = (await step().catch((e: unknown) => e)) as ModelError;
    expect(err.retryable).toBe(false);
    expect(err.message).toContain('--jinja');
  });

  it('Groq tool_use_failed: asked once more, then asked for text', async () => {
    const failed = {
      status: 400,
      json: {
        error: {
          message:
            'Failed to call a function. Please adjust your prompt. See failed_generation for more details.',
          type: 'invalid_request_error',
          code: 'tool_use_failed',
          failed_generation: '<function=get_ticket_status>{"ticket":1042}</function>',
        },
      },
    };
    fake.reply(failed, failed, { sse: oaText('Which ticket do you mean?') });
    const events = await step();
    expect(events.filter((e) => e.type === 'text')).toEqual([
      { type: 'text', text: 'Which ticket do you mean?' },
    ]);
    expect(fake.requests.map((r) => r.body.tool_choice)).toEqual(['auto', 'auto', 'none']);
  });

  it('empty arguments "" for a no-argument tool read as {}', async () => {
    fake.reply({
      sse: [
        oaChunk({
          tool_calls: [{ index: 0, id: 'call_e', function: { name: 'get_customer_info', arguments: '' } }],
        }),
        oaChunk({}, 'tool_calls'),
        ...oaEnd,
      ],
    });
    expect(callsOf(await step())[0]?.args).toEqual({});
  });
});

describe('openai model: provider errors through the loop', () => {
  it('retries a 429 and a 503, then answers', async () => {
    fake.reply(
      {
        status: 429,
        json: { error: { message: 'Rate limit', type: 'rate_limit_error' } },
        headers: { 'retry-after-ms': '1' },
      },
      { status: 503, json: { error: { message: 'Unavailable', type: 'server_error' } } },
      { sse: oaText('Here you go.') },
    );
    const { reply } = await turnWith();
    expect(reply).toBe('Here you go.');
    expect(fake.requests).toHaveLength(3);
  });

  it('gives up after two retries with the graceful reply', async () => {
    const err = { status: 500, json: { error: { message: 'boom', type: 'server_error' } } };
    fake.reply(err, err, err, { sse: oaText('never') });
    const { reply } = await turnWith();
    expect(reply).toBe(LOOP_REPLIES.unavailable);
    expect(fake.requests).toHaveLength(3);
  });

  it('retries a stream cut before it finished', async () => {
    fake.reply({ sse: [oaChunk({ content: 'Partial' })], cut: true }, { sse: oaText('Complete answer.') });
    const { reply } = await turnWith();
    expect(reply).toBe('Complete answer.');
  });

  it('retries an error sent inside the stream', async () => {
    fake.reply(
      {
        sse: [
          oaChunk({ content: 'Hm' }),
          `data: ${JSON.stringify({ error: { message: 'overloaded', type: 'server_error' } })}\n\n`,
        ],
      },
      { sse: oaText('Recovered.') },
    );
    const { reply } = await turnWith();
    expect(reply).toBe('Recovered.');
  });
});
