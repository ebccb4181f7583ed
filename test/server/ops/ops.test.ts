import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeDataDir, startServer, type TestServer } from '../../helpers/server.js';
import { ask, signIn } from '../../helpers/ws-client.js';

let server: TestServer;

beforeAll(async () => {
  server = await startServer({ env: { DEPUTY_METRICS_TOKEN: 'metrics-secret' } });
});
afterAll(async () => {
  await server.close();
  removeDataDir(server.dataDir);
});

const signedIn = signIn;

async function metrics(target: TestServer, token = 'metrics-secret'): Promise<string> {
  const res = await fetch(`${target.url}/metrics`, { headers: { authorization: `Bearer ${token}` } });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toContain('text/plain');
  return res.text();
}

/** The value of one sample line, e.g. `deputy_turns_total{outcome="ok"}`; 0 when absent. */
function sample(text: string, series: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line ? Number(line.slice(series.length + 1)) : 0;
}

describe('health, readiness and metrics', () => {
  it('answers /healthz and /readyz', async () => {
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    const ready = await fetch(`${server.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ ok: true });
  });

  it('guards /metrics with the metrics token when one is configured', async () => {
    const res = await fetch(`${server.url}/metrics`);
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ code: 'metrics_forbidden' });
  });

  it('counts connections, turns, tool calls by tool and outcome, and rejected frames', async () => {
    const before = await metrics(server);
    const socket = await signedIn(server, 'cus_alice');
    expect(sample(await metrics(server), 'deputy_ws_connections')).toBe(
      sample(before, 'deputy_ws_connections') + 1,
    );
    await ask(socket, 'status of T-1001?');
    await ask(socket, 'status of T-1003?');
    socket.send('{"type":');
    await socket.next('error', (e) => e.code === 'bad_json');
    const after = await metrics(server);
    const delta = (series: string) => sample(after, series) - sample(before, series);
    expect(delta('deputy_turns_total{outcome="ok"}')).toBe(2);
    expect(delta('deputy_turn_duration_seconds_count')).toBe(2);
    expect(delta('deputy_tool_calls_total{tool="get_ticket_status",outcome="done"}')).toBe(1);
    expect(delta('deputy_tool_calls_total{tool="get_ticket_status",outcome="error"}')).toBe(1);
    expect(delta('deputy_tool_call_duration_seconds_count{tool="get_ticket_status"}')).toBe(2);
    expect(delta('deputy_visitor_messages_total{outcome="stored"}')).toBe(2);
    expect(delta('deputy_ws_frames_rejected_total{code="bad_json"}')).toBe(1);
    expect(after).toContain('deputy_process_resident_memory_bytes');
    socket.close();
    await socket.waitClose();
    await new Promise((r) => setTimeout(r, 50));
    expect(sample(await metrics(server), 'deputy_ws_connections')).toBe(
      sample(before, 'deputy_ws_connections'),
    );
  });

  it('counts confirmation outcomes', async () => {
    const before = await metrics(server);
    const socket = await signedIn(server, 'cus_bob');
    socket.send({
      type: 'message',
      clientId: 'confirm_metric_1',
      text: 'please change my phone to +44 20 7946 0123',
    });
    const card = await socket.next('confirm_request');
    socket.send({ type: 'confirm', confirmId: card.confirmId, accept: false });
    await socket.next('confirm_result', (r) => r.outcome === 'declined');
    await socket.next('message', (m) => m.role === 'assistant');
    const after = await metrics(server);
    expect(
      sample(after, 'deputy_confirmations_total{outcome="declined"}') -
        sample(before, 'deputy_confirmations_total{outcome="declined"}'),
    ).toBe(1);
    socket.close();
  });
});

describe('model errors', () => {
  let provider: Server;
  let failing: TestServer;
  beforeAll(async () => {
    // An OpenAI-compatible endpoint that is down: every call answers 500 with OpenAI's error body.
    provider = createServer((_req, res) => {
      res.writeHead(500, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({ error: { message: 'The server had an error', type: 'server_error', code: null } }),
      );
    });
    await new Promise<void>((r) => provider.listen(0, '127.0.0.1', r));
    failing = await startServer({
      env: {
        DEPUTY_MODEL: 'openai',
        OPENAI_BASE_URL: `http://127.0.0.1:${(provider.address() as AddressInfo).port}/v1`,
        DEPUTY_MODEL_NAME: 'test-model',
      },
    });
  });
  afterAll(async () => {
    await failing.close();
    removeDataDir(failing.dataDir);
    provider.close();
  });

  it('counts failed model steps, and the visitor still gets a polite reply', async () => {
    const socket = await signedIn(failing, 'cus_alice');
    const reply = await ask(socket, 'status of T-1001?');
    expect(reply.text.length).toBeGreaterThan(0);
    const text = await metrics(failing, '');
    const errors = text
      .split('\n')
      .filter((l) => l.startsWith('deputy_model_errors_total{'))
      .reduce((n, l) => n + Number(l.split(' ').at(-1)), 0);
    expect(errors).toBeGreaterThanOrEqual(1);
    socket.close();
  }, 20_000);
});
