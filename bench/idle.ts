// Idle sessions: memory per authenticated, idle WebSocket session at 5,000 sessions, against raw
// `ws` connections holding the same sockets, both servers in their own process, same run.
import { type ServerChild, startChild } from './lib/child.js';
import { isMain, runAlone } from './lib/main.js';
import { type BenchResult, figure, newResult } from './lib/results.js';
import { type LoopSocket, openMany, LoopSocket as Socket } from './lib/sockets.js';
import { demoToken, openVisitor } from './lib/visitors.js';

const WARM = 50;

interface Run {
  rssKB: number;
  heapKB: number;
}

/** Live memory of the child per socket: (after − before) / count, both after full GCs. */
async function perSocket(server: ServerChild, count: number, open: () => Promise<LoopSocket>): Promise<Run> {
  const warm = await openMany(WARM, open); // lazily loaded code and first-use caches are not per-session
  const before = await server.memory();
  const sockets = await openMany(count, open);
  await new Promise((r) => setTimeout(r, 1000));
  const after = await server.memory();
  for (const s of [...warm, ...sockets]) s.close();
  return {
    rssKB: (after.rss - before.rss) / count / 1024,
    heapKB: (after.heapUsed + after.external - before.heapUsed - before.external) / count / 1024,
  };
}

async function deputyRun(count: number): Promise<Run> {
  const server = await startChild('deputy');
  try {
    const token = await demoToken(server.dataDir ?? '');
    return await perSocket(server, count, () => openVisitor(server.url, token));
  } finally {
    await server.stop();
  }
}

async function rawRun(count: number): Promise<Run> {
  const server = await startChild('ws-echo');
  try {
    const url = `${server.url.replace(/^http/, 'ws')}/`;
    const hello = JSON.stringify({ type: 'hello', v: 1, site: 'demo', token: 'x'.repeat(300) });
    return await perSocket(server, count, async () => {
      const s = await Socket.open(url);
      await s.roundTrip(hello, () => true);
      return s;
    });
  } finally {
    await server.stop();
  }
}

/** The idle-session benchmark. */
export async function benchIdle(quick = false): Promise<BenchResult> {
  const started = performance.now();
  const count = quick ? 200 : 5000;
  const runs = quick ? 1 : 3;
  const deputy: Run[] = [];
  const raw: Run[] = [];
  for (let i = 0; i < runs; i++) {
    raw.push(await rawRun(count));
    deputy.push(await deputyRun(count));
  }
  const n = count.toLocaleString('en-US');
  return {
    ...newResult('idle', 'Idle sessions', started),
    figures: [
      figure({
        id: 'idle.rss',
        what: `RSS per idle authenticated session, ${n} sessions`,
        unit: 'KB',
        runs: deputy.map((r) => r.rssKB),
        budget: { text: '≤ 16 KB', op: '<=', limit: 16 },
        baseline: { what: `raw ws, ${n} sockets`, unit: 'KB', runs: raw.map((r) => r.rssKB) },
        ratioBudget: { text: '≤ 2×', op: '<=', limit: 2 },
      }),
      figure({
        id: 'idle.heap',
        what: `JS heap + external per idle session, ${n} sessions`,
        unit: 'KB',
        runs: deputy.map((r) => r.heapKB),
        baseline: { what: `raw ws, ${n} sockets`, unit: 'KB', runs: raw.map((r) => r.heapKB) },
      }),
    ],
    method: [
      `${n} WebSockets opened 50 at a time; each Deputy session says hello with Alice's demo token and waits for its`,
      'welcome (a stored conversation), then stays idle; raw ws sockets each send a hello-sized frame and get it back.',
      `Memory of the server process after full GCs, before and after, divided by ${n}; 50 warm sockets are opened`,
      `before the first reading so code loaded on first use is not counted; a fresh server per run, ${runs} runs.`,
    ],
  };
}

if (isMain(import.meta.url)) await runAlone(benchIdle);
