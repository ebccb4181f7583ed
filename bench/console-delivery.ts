// Visitor → operator console delivery (docs/architecture.md §7: p99 ≤ 50 ms at 200 conversations).
// The real backend runs in its own process (bench/servers/deputy.ts); Sam, the demo operator, signs
// in and owns 200 conversations, so the bot stays silent and every visitor message is pure
// delivery: stored, acknowledged, and pushed to Sam's console socket. Latency = the console frame's
// arrival minus the moment the visitor sent the message, both clocks in this process.
//   npx tsx bench/console-delivery.ts [--quick]   (also part of npm run bench)
import type WebSocket from 'ws';
import { startChild } from './lib/child.js';
import { isMain, runAlone } from './lib/main.js';
import { type BenchResult, figure, newResult } from './lib/results.js';
import { nextFrame, openSocket } from './lib/sockets.js';
import { quantile } from './lib/stats.js';
import { demoToken } from './lib/visitors.js';

const CONVERSATIONS = 200;
const RATE_PER_S = 200;

/** One run: 200 conversations owned by Sam, visitor messages at a steady rate; latencies in ms. */
async function oneRun(messages: number): Promise<{ latencies: number[]; lost: number }> {
  const server = await startChild('deputy');
  try {
    const res = await fetch(`${server.url}/console/api/sign-in`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: server.url },
      body: JSON.stringify({ email: 'sam@northwind.example', password: 'deputy-demo-sam' }),
    });
    const cookie = (res.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
    const { csrf } = (await res.json()) as { csrf: string };
    const consoleWs = await openSocket(`${server.url.replace('http', 'ws')}/console/ws`, {
      cookie,
      origin: server.url,
    });
    const sent = new Map<string, number>();
    const latencies: number[] = [];
    consoleWs.on('message', (d) => {
      const f = JSON.parse(String(d)) as { type: string; message?: { role: string; text: string } };
      if (f.type !== 'message' || f.message?.role !== 'visitor') return;
      const at = sent.get(f.message.text);
      if (at !== undefined) latencies.push(performance.now() - at);
    });

    const visitors: WebSocket[] = [];
    for (let i = 0; i < CONVERSATIONS; i++) {
      const ws = await openSocket(`${server.url.replace('http', 'ws')}/ws?site=demo`);
      const token = await demoToken(server.dataDir ?? '', `bench_${i}`, `Visitor ${i}`);
      const welcome = nextFrame(ws, (f) => f.type === 'welcome');
      ws.send(JSON.stringify({ type: 'hello', v: 1, site: 'demo', token }));
      const { conversationId } = (await welcome) as { conversationId: string };
      // Each conversation needs a first message to be listed, then Sam takes it over.
      const acked = nextFrame(ws, (f) => f.type === 'ack');
      ws.send(JSON.stringify({ type: 'message', clientId: `warm_${i}_000`, text: 'hello' }));
      await acked;
      const took = await fetch(`${server.url}/console/api/conversations/${conversationId}/take-over`, {
        method: 'POST',
        headers: { cookie, origin: server.url, 'x-csrf-token': csrf },
      });
      if (took.status !== 200) throw new Error(`take-over failed: ${took.status}`);
      visitors.push(ws);
    }

    const gapMs = 1000 / RATE_PER_S;
    const start = performance.now();
    for (let n = 0; n < messages; n++) {
      const due = start + n * gapMs;
      const wait = due - performance.now();
      if (wait > 1) await new Promise((r) => setTimeout(r, wait));
      const text = `d:${n}`;
      sent.set(text, performance.now());
      visitors[n % CONVERSATIONS]?.send(
        JSON.stringify({ type: 'message', clientId: `bench_${n}_msg`, text }),
      );
    }
    const deadline = Date.now() + 30_000;
    while (latencies.length < messages && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    for (const ws of visitors) ws.close();
    consoleWs.close();
    return { latencies, lost: messages - latencies.length };
  } finally {
    await server.stop();
  }
}

/** Visitor → console delivery latency at 200 conversations (docs/architecture.md §7: p99 ≤ 50 ms). */
export async function benchConsoleDelivery(quick = false): Promise<BenchResult> {
  const started = performance.now();
  const [messages, runs] = quick ? [600, 1] : [3000, 3];
  const p50: number[] = [];
  const p99: number[] = [];
  const lost: number[] = [];
  for (let r = 0; r < runs; r++) {
    const run = await oneRun(messages);
    p50.push(quantile(run.latencies, 0.5));
    p99.push(quantile(run.latencies, 0.99));
    lost.push(run.lost);
  }
  const what = `${CONVERSATIONS} conversations owned by one operator, ${RATE_PER_S} msg/s`;
  return {
    ...newResult('console-delivery', 'Visitor → operator console delivery', started),
    figures: [
      figure({
        id: 'console-delivery-p50',
        what: `visitor → console delivery p50, ${what}`,
        unit: 'ms',
        runs: p50,
      }),
      figure({
        id: 'console-delivery-p99',
        what: `visitor → console delivery p99, ${what}`,
        unit: 'ms',
        runs: p99,
        budget: { text: '≤ 50 ms', op: '<=' as const, limit: 50 },
      }),
      figure({
        id: 'console-delivery-lost',
        what: 'visitor messages not delivered to the console',
        unit: 'messages',
        runs: lost,
        budget: { text: 'none', op: '<=' as const, limit: 0 },
      }),
    ],
    method: [
      `The backend runs in its own process; Sam, the demo operator, signs in and takes over ${CONVERSATIONS} conversations, so the bot stays silent and each visitor message is stored, acknowledged and pushed to Sam's console socket. ${messages} messages at a steady ${RATE_PER_S}/s per run, ${runs} runs; latency is the console frame's arrival minus the send, both clocks in the load process.`,
    ],
  };
}

if (isMain(import.meta.url)) await runAlone(benchConsoleDelivery);
