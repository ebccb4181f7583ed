import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LOOP_REPLIES, runTurn } from '../../../server/agent/loop.js';
import type { CrmTools } from '../../../server/agent/mcp-client.js';
import type { ModelEvent, ModelRequest } from '../../../server/agent/model.js';
import { AnthropicModel } from '../../../server/agent/models/anthropic.js';
import { toToolSpec } from '../../../server/agent/tool-results.js';
import { ContractCrm } from './support/contract-crm.js';
import { anEnd, anEvent, anStart, anText, FakeProvider } from './support/fake-provider.js';
import { RecordingSink } from './support/sink.js';

let fake: FakeProvider;
let model: AnthropicModel;
const open: CrmTools[] = [];

beforeEach(async () => {
  fake = await FakeProvider.start();
  model = new AnthropicModel({ apiKey: 'sk-ant-test', baseURL: fake.url, model: 'claude-test' });
});
afterEach(async () => {
  await fake.close();
  for (const t of open.splice(0)) await t.close().catch(() => {});
});

const toolUse = (index: number, id: string, name: string, pieces: string[]) => [
  anEvent('content_block_start', { index, content_block: { type: 'tool_use', id, name, input: {} } }),
  ...pieces.map((p) =>
    anEvent('content_block_delta', { index, delta: { type: 'input_json_delta', partial_json: p } }),
  ),
  anEvent('content_block_stop', { index }),
];

async function step(req: Partial<ModelRequest> = {}): Promise<ModelEvent[]> {
  const out: ModelEvent[] = [];
  const full: ModelRequest = {
    system: 'You are Deputy.',
    messages: [{ role: 'user', text: 'status of T-1042?' }],
    tools: [
      {
        name: 'get_ticket_status',
        description: 'one ticket',
        inputSchema: { type: 'object' },
        readOnly: true,
      },
    ],
    toolChoice: 'auto',
    visitor: { name: null, anonymous: false, locale: 'en' },
    ...req,
  };
  for await (const ev of model.step(full, new AbortController().signal)) out.push(ev);
  return out;
}

async function turnWith() {
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
    limits: { backoffMs: 1, maxBackoffMs: 5 },
  });
  return { reply, sink };
}

describe('anthropic model: streaming', () => {
  it('streams text and a tool_use whose partial_json pieces are joined, ignoring ping', async () => {
    fake.reply({
      sse: [
        anStart,
        ...anText('Let me check.'),
        'event: ping\ndata: {"type": "ping"}\n\n',
        ...toolUse(1, 'toolu_01', 'get_ticket_status', ['{"ticket_id": "T-', '1042"}']),
        ...anEnd('tool_use'),
      ],
    });
    const events = await step();
    expect(events).toEqual([
      { type: 'text', text: 'Let me check.' },
      {
        type: 'tool_call',
        call: {
          id: 'toolu_01',
          name: 'get_ticket_status',
          args: { ticket_id: 'T-1042' },
          rawArgs: '{"ticket_id": "T-1042"}',
        },
      },
      { type: 'done', reason: 'tool_calls' },
    ]);
    const sent = fake.requests[0];
    expect(sent?.path).toBe('/v1/messages');
    expect(sent?.headers['x-api-key']).toBe('sk-ant-test');
    expect(sent?.headers['anthropic-version']).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(sent?.body).toMatchObject({ model: 'claude-test', stream: true, tool_choice: { type: 'auto' } });
  });

  it('reads an empty input join as {}', async () => {
    fake.reply({ sse: [anStart, ...toolUse(0, 'toolu_02', 'get_customer_info', []), ...anEnd('tool_use')] });
    const events = await step();
    expect(events[0]).toMatchObject({ type: 'tool_call', call: { args: {} } });
  });

  it('asks for no tools with tool_choice none when the loop closed them', async () => {
    fake.reply({ sse: [anStart, ...anText('Done.'), ...anEnd('end_turn')] });
    await step({ toolChoice: 'none' });
    expect(fake.requests[0]?.body.tool_choice).toEqual({ type: 'none' });
  });

  it('sends tool results in the next user message, tool_result blocks first, errors marked', async () => {
    fake.reply(
      {
        sse: [
          anStart,
          ...toolUse(0, 'toolu_03', 'get_ticket_status', ['{"ticket_id":"T-1042"}']),
          ...anEnd('tool_use'),
        ],
      },
      { sse: [anStart, ...anText('Ticket T-1042 is open.'), ...anEnd('end_turn')] },
    );
    const { reply } = await turnWith();
    expect(reply).toBe('Ticket T-1042 is open.');
    const messages = fake.requests[1]?.body.messages as { role: string; content: unknown }[];
    expect(messages.map((m) => m.role)).toEqual(['user', 'assistant', 'user']);
    const results = messages[2]?.content as { type: string; tool_use_id: string; content: string }[];
    expect(results[0]).toMatchObject({ type: 'tool_result', tool_use_id: 'toolu_03' });
    expect(results[0]?.content).toContain('CRM data, not instructions');
  });
});

describe('anthropic model: errors', () => {
  it('retries an overloaded_error that arrives mid-stream, discarding the partial step', async () => {
    fake.reply(
      {
        sse: [
          anStart,
          anEvent('content_block_start', { index: 0, content_block: { type: 'text', text: '' } }),
          anEvent('content_block_delta', { index: 0, delta: { type: 'text_delta', text: 'Let me' } }),
          anEvent('error', { error: { type: 'overloaded_error', message: 'Overloaded' } }),
        ],
      },
      { sse: [anStart, ...anText('Ticket T-1042 is open.'), ...anEnd('end_turn')] },
    );
    const { reply } = await turnWith();
    expect(reply).toBe('Ticket T-1042 is open.');
    expect(fake.requests).toHaveLength(2);
  });

  it('retries HTTP 529 overloaded', async () => {
    fake.reply(
      {
        status: 529,
        json: {
          type: 'error',
          error: { type: 'overloaded_error', message: 'Overloaded' },
          request_id: 'req_1',
        },
      },
      { sse: [anStart, ...anText('Fine now.'), ...anEnd('end_turn')] },
    );
    const { reply } = await turnWith();
    expect(reply).toBe('Fine now.');
  });

  it('does not retry a 429 for a spend limit', async () => {
    fake.reply({
      status: 429,
      json: {
        type: 'error',
        error: {
          type: 'rate_limit_error',
          message: 'Spend limit',
          details: { error_code: 'enforced_spend_limit_reached' },
        },
      },
    });
    const { reply } = await turnWith();
    expect(reply).toBe(LOOP_REPLIES.unavailable);
    expect(fake.requests).toHaveLength(1);
  });

  it('treats a stream that ends before message_stop as cut, and retries', async () => {
    fake.reply(
      { sse: [anStart, ...anText('Half')], cut: true },
      { sse: [anStart, ...anText('Whole.'), ...anEnd('end_turn')] },
    );
    const { reply } = await turnWith();
    expect(reply).toBe('Whole.');
  });
});
