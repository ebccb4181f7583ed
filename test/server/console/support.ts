import WebSocket from 'ws';
import { OperatorStore } from '../../../server/console/operators.js';
import type { ConsoleServerFrame } from '../../../shared/console-protocol.js';
import type { TestServer } from '../../helpers/server.js';

export const SAM = { email: 'sam@northwind.example', password: 'deputy-demo-sam' };

/** A signed-in console: its cookie, CSRF token, and a JSON fetch helper. */
export interface ConsoleAgent {
  cookie: string;
  csrf: string;
  operatorId: string;
  call(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<Response>;
}

export async function addOperator(
  server: TestServer,
  site: string,
  email: string,
  name: string,
  password = 'correct-horse-battery',
) {
  return new OperatorStore(server.app.deputy.store.db).add({
    siteId: site,
    email,
    name,
    role: 'agent',
    password,
  });
}

export async function consoleSignIn(
  server: TestServer,
  who: { email: string; password: string } = SAM,
): Promise<ConsoleAgent> {
  const res = await fetch(`${server.url}/console/api/sign-in`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: server.url },
    body: JSON.stringify(who),
  });
  if (res.status !== 200) throw new Error(`sign-in failed: ${res.status} ${await res.text()}`);
  const cookie = (res.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
  const body = (await res.json()) as { csrf: string; operator: { id: string } };
  const agent: ConsoleAgent = {
    cookie,
    csrf: body.csrf,
    operatorId: body.operator.id,
    call: (method, path, payload, headers = {}) =>
      fetch(`${server.url}${path}`, {
        method,
        headers: {
          cookie,
          origin: server.url,
          'x-csrf-token': body.csrf,
          ...(payload !== undefined ? { 'content-type': 'application/json' } : {}),
          ...headers,
        },
        ...(payload !== undefined ? { body: JSON.stringify(payload) } : {}),
      }),
  };
  return agent;
}

/** A console WebSocket collecting frames, with a bounded wait for one that matches. */
export async function consoleSocket(server: TestServer, agent: ConsoleAgent) {
  const ws = new WebSocket(`${server.url.replace('http', 'ws')}/console/ws`, {
    headers: { cookie: agent.cookie, origin: server.url },
  });
  const frames: ConsoleServerFrame[] = [];
  ws.on('message', (d) => frames.push(JSON.parse(String(d)) as ConsoleServerFrame));
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  const next = async (match: (f: ConsoleServerFrame) => boolean, from = 0, timeoutMs = 5000) => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const hit = frames.slice(from).find(match);
      if (hit) return hit;
      if (Date.now() > deadline)
        throw new Error(`no matching console frame; got ${JSON.stringify(frames.slice(-5))}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  };
  return { ws, frames, next, send: (f: unknown) => ws.send(JSON.stringify(f)) };
}

/** Polls `check` until it returns a value, or fails at the deadline. */
export async function until<T>(
  check: () => Promise<T | undefined | null | false>,
  timeoutMs = 5000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}
