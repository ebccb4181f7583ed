import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One scripted HTTP answer: an SSE stream (raw frames, replayed as written) or a JSON body. */
export type FakeResponse =
  | { sse: string[]; status?: number; cut?: boolean }
  | { json: unknown; status: number; headers?: Record<string, string> };

export interface RecordedRequest {
  path: string;
  headers: IncomingHttpHeaders;
  body: Record<string, unknown>;
}

/**
 * A loopback HTTP server standing in for an LLM provider: it replays the provider's real SSE wire
 * format (docs/agent.md (Provider quirks)) from a queue of scripted responses and records every request.
 */
export class FakeProvider {
  readonly requests: RecordedRequest[] = [];
  readonly #queue: FakeResponse[] = [];
  readonly #server: Server;

  private constructor() {
    this.#server = createServer((req, res) => {
      let raw = '';
      req.on('data', (c: Buffer) => {
        raw += c.toString('utf8');
      });
      req.on('end', () => {
        this.requests.push({ path: req.url ?? '', headers: req.headers, body: raw ? JSON.parse(raw) : {} });
        const next = this.#queue.shift();
        if (!next) {
          res.writeHead(500, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ error: { message: 'no scripted response left', type: 'test' } }));
          return;
        }
        if ('json' in next) {
          res.writeHead(next.status, { 'content-type': 'application/json', ...next.headers });
          res.end(JSON.stringify(next.json));
          return;
        }
        res.writeHead(next.status ?? 200, {
          'content-type': 'text/event-stream',
          'cache-control': 'no-cache',
        });
        for (const frame of next.sse) res.write(frame);
        // A cut stream: the connection drops without the closing frames.
        if (next.cut) res.destroy();
        else res.end();
      });
    });
  }

  static async start(): Promise<FakeProvider> {
    const fake = new FakeProvider();
    await new Promise<void>((resolve) => fake.#server.listen(0, '127.0.0.1', resolve));
    return fake;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
  }

  reply(...responses: FakeResponse[]): this {
    this.#queue.push(...responses);
    return this;
  }

  async close(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}

// ---- OpenAI Chat Completions SSE (docs/agent.md Q1.3) ----------------------------------------------

const base = { id: 'chatcmpl-1', object: 'chat.completion.chunk', created: 1, model: 'm' };

/** One `data:` frame of a chat.completion.chunk with the given choice delta. */
export function oaChunk(
  delta: Record<string, unknown>,
  finish: string | null = null,
  extra: Record<string, unknown> = {},
): string {
  return `data: ${JSON.stringify({ ...base, choices: [{ index: 0, delta, finish_reason: finish }], ...extra })}\n\n`;
}

/** The usage-only last chunk (`choices: []`) and `[DONE]`. */
export const oaEnd = [
  `data: ${JSON.stringify({ ...base, choices: [], usage: { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 } })}\n\n`,
  'data: [DONE]\n\n',
];

export function oaText(text: string): string[] {
  return [
    oaChunk({ role: 'assistant', content: '' }),
    oaChunk({ content: text }),
    oaChunk({}, 'stop'),
    ...oaEnd,
  ];
}

// ---- Anthropic Messages SSE (docs/agent.md Q2.4) ---------------------------------------------------

export function anEvent(type: string, data: Record<string, unknown>): string {
  return `event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`;
}

export const anStart = anEvent('message_start', {
  message: {
    id: 'msg_1',
    type: 'message',
    role: 'assistant',
    model: 'claude-test',
    content: [],
    stop_reason: null,
    stop_sequence: null,
    usage: { input_tokens: 10, output_tokens: 1 },
  },
});

export function anText(text: string, index = 0): string[] {
  return [
    anEvent('content_block_start', { index, content_block: { type: 'text', text: '' } }),
    anEvent('content_block_delta', { index, delta: { type: 'text_delta', text } }),
    anEvent('content_block_stop', { index }),
  ];
}

export function anEnd(stop: string): string[] {
  return [
    anEvent('message_delta', {
      delta: { stop_reason: stop, stop_sequence: null },
      usage: { output_tokens: 12 },
    }),
    anEvent('message_stop', {}),
  ];
}
