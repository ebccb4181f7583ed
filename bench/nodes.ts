// Several nodes on one PostgreSQL (docs/scaling.md): cross-node delivery latency through
// LISTEN/NOTIFY (docs/architecture.md §7: p99 ≤ 20 ms on loopback), visitor turns/s on two nodes
// beside one, and the NOTIFY rate the design needs at 1,000 turns/s beside what this PostgreSQL
// sustains. A throwaway cluster is started from the machine's PostgreSQL binaries.
//   npx tsx bench/nodes.ts [--quick]   (also part of npm run bench)
import pg from 'pg';
import type WebSocket from 'ws';
import { findPostgresBinDir, startPostgresCluster } from '../test/helpers/postgres-cluster.js';
import { type ServerChild, startChild } from './lib/child.js';
import { isMain, runAlone } from './lib/main.js';
import { type BenchResult, figure, newResult } from './lib/results.js';
import { closedLoop, type LoopSocket, nextFrame, openMany, openSocket } from './lib/sockets.js';
import { quantile } from './lib/stats.js';
import { assistantAnswer, messageFrame, numbered, openVisitor } from './lib/visitors.js';

const CONVERSATIONS = 50;
/** Well below saturation on a shared 2-core machine: the figure is the fan-out's latency, not queueing. */
const RATE_PER_S = 20;
const QUESTION = "What's the status of ticket T-1001?";
/**
 * Notifying commits a visitor turn makes: the visitor message's pointer (with the turn lease taken
 * in the same statement), and the reply's with the lease's release and its pointer.
 */
const NOTIFIES_PER_TURN = 2;

/** Alice's visitor token, as the demo page on a node mints it (the site secret is in the database). */
async function aliceToken(node: ServerChild): Promise<string> {
  const html = await (await fetch(`${node.url}/?as=alice`)).text();
  const token = /data-visitor-token="([^"]+)"/.exec(html)?.[1];
  if (!token) throw new Error('the demo page minted no visitor token');
  return token;
}

async function signIn(node: ServerChild): Promise<{ cookie: string; csrf: string }> {
  const res = await fetch(`${node.url}/console/api/sign-in`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: node.url },
    body: JSON.stringify({ email: 'sam@northwind.example', password: 'deputy-demo-sam' }),
  });
  const cookie = (res.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
  const { csrf } = (await res.json()) as { csrf: string };
  return { cookie, csrf };
}

/**
 * Visitors on node A in conversations Sam owns (so the bot is silent); Sam's console open on node A
 * and on node B. Each visitor message reaches A's console in process and B's through NOTIFY and a
 * read. Latency: console frame arrival minus the send, one clock.
 */
async function delivery(a: ServerChild, b: ServerChild, messages: number) {
  const token = await aliceToken(a);
  const sam = await signIn(a);
  const consoleAt = async (node: ServerChild) => {
    const ws = await openSocket(`${node.url.replace('http', 'ws')}/console/ws`, {
      cookie: sam.cookie,
      origin: node.url,
    });
    const got = new Map<string, number>();
    ws.on('message', (d) => {
      const f = JSON.parse(String(d)) as { type: string; message?: { role: string; text: string } };
      if (f.type === 'message' && f.message?.role === 'visitor') got.set(f.message.text, performance.now());
    });
    return { ws, got };
  };
  const same = await consoleAt(a);
  const cross = await consoleAt(b);
  const visitors: WebSocket[] = [];
  for (let i = 0; i < CONVERSATIONS; i++) {
    const ws = await openSocket(`${a.url.replace('http', 'ws')}/ws?site=demo`);
    const welcome = nextFrame(ws, (f) => f.type === 'welcome');
    ws.send(JSON.stringify({ type: 'hello', v: 1, site: 'demo', token }));
    const { conversationId } = (await welcome) as { conversationId: string };
    const acked = nextFrame(ws, (f) => f.type === 'ack');
    ws.send(JSON.stringify({ type: 'message', clientId: `warm_${i}_000`, text: 'hello' }));
    await acked;
    const took = await fetch(`${a.url}/console/api/conversations/${conversationId}/take-over`, {
      method: 'POST',
      headers: { cookie: sam.cookie, origin: a.url, 'x-csrf-token': sam.csrf },
    });
    if (took.status !== 200) throw new Error(`take-over failed: ${took.status}`);
    visitors.push(ws);
  }
  const sent = new Map<string, number>();
  const gapMs = 1000 / RATE_PER_S;
  const start = performance.now();
  for (let n = 0; n < messages; n++) {
    const wait = start + n * gapMs - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    const text = `x:${n}:${start}`;
    sent.set(text, performance.now());
    visitors[n % CONVERSATIONS]?.send(
      JSON.stringify({ type: 'message', clientId: `nb_${n}_${Math.round(start)}`, text }),
    );
  }
  const deadline = Date.now() + 30_000;
  while ((cross.got.size < messages + 1 || same.got.size < messages + 1) && Date.now() < deadline)
    await new Promise((r) => setTimeout(r, 20));
  const lat = (got: Map<string, number>) =>
    [...sent].flatMap(([text, at]) => {
      const t = got.get(text);
      return t === undefined ? [] : [t - at];
    });
  for (const ws of [...visitors, same.ws, cross.ws]) ws.close();
  const arrived = [...sent.keys()].filter((text) => cross.got.has(text)).length;
  return { cross: lat(cross.got), same: lat(same.got), lost: messages - arrived };
}

/** Visitor turns/s (rules model, one tool call each) with the visitors spread over `nodes`. */
async function turnsPerSecond(nodes: ServerChild[], visitors: number, seconds: number): Promise<number> {
  const token = await aliceToken(nodes[0] as ServerChild);
  const sockets = await openMany(visitors, (i) =>
    openVisitor((nodes[i % nodes.length] as ServerChild).url, token),
  );
  const turn = (s: LoopSocket) => s.roundTrip(messageFrame(numbered(QUESTION)), assistantAnswer(['T-1001']));
  await closedLoop(sockets, 1, 60_000, turn);
  const r = await closedLoop(sockets, 1_000_000, seconds * 1000, turn);
  for (const s of sockets) s.close();
  if (r.errors > 0) console.warn(`  ${r.errors} failed turns (first: ${r.firstError})`);
  return r.completed / r.seconds;
}

/** Notifying commits per second this PostgreSQL sustains: `clients` connections, one NOTIFY each. */
async function notifyRate(
  url: string,
  clients: number,
  seconds: number,
): Promise<{ rate: number; received: number }> {
  const listener = new pg.Client({ connectionString: url });
  await listener.connect();
  let received = 0;
  listener.on('notification', () => received++);
  await listener.query('LISTEN bench_notify');
  const pool = new pg.Pool({ connectionString: url, max: clients });
  let sent = 0;
  const stopAt = performance.now() + seconds * 1000;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (performance.now() < stopAt) {
        await pool.query(`select pg_notify('bench_notify', '{"k":"m","c":"conv_bench","s":1,"t":"demo"}')`);
        sent++;
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  const deadline = Date.now() + 10_000;
  while (received < sent && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  await pool.end();
  await listener.end();
  return { rate: sent / elapsed, received: received / elapsed };
}

export async function benchNodes(quick = false): Promise<BenchResult> {
  const started = performance.now();
  const binDir = findPostgresBinDir();
  if (!binDir) {
    console.warn('  PostgreSQL is not installed (Debian: apt-get install postgresql): nodes not measured');
    return {
      ...newResult('nodes', 'Two nodes on one PostgreSQL', started),
      figures: [],
      method: ['Not measured: PostgreSQL is not installed on this machine.'],
    };
  }
  const cluster = await startPostgresCluster(binDir);
  const [messages, runs, turnSeconds] = quick ? [100, 1, 2] : [400, 3, 5];
  const cross: number[][] = [[], []];
  const same: number[][] = [[], []];
  const lost: number[] = [];
  const one: number[] = [];
  const two: number[] = [];
  const notify: number[] = [];
  try {
    for (let r = 0; r < runs; r++) {
      const url = await freshDatabase(cluster.adminUrl, `bench_nodes_${process.pid}_${r}`);
      const env = { DATABASE_URL: url, DEPUTY_DB_POOL_SIZE: '10' };
      const a = await startChild('deputy', env);
      const b = await startChild('deputy', env);
      try {
        const d = await delivery(a, b, messages);
        cross[0]?.push(quantile(d.cross, 0.5));
        cross[1]?.push(quantile(d.cross, 0.99));
        same[0]?.push(quantile(d.same, 0.5));
        same[1]?.push(quantile(d.same, 0.99));
        lost.push(d.lost);
        one.push(await turnsPerSecond([a], 40, turnSeconds));
        two.push(await turnsPerSecond([a, b], 40, turnSeconds));
      } finally {
        await a.stop();
        await b.stop();
      }
      notify.push((await notifyRate(url, 8, quick ? 1 : 3)).rate);
    }
  } finally {
    cluster.stop();
  }
  const what = `${CONVERSATIONS} conversations, ${RATE_PER_S} msg/s, visitor on node A, console on node B`;
  return {
    ...newResult('nodes', 'Two nodes on one PostgreSQL', started),
    figures: [
      figure({
        id: 'nodes-delivery-p50',
        what: `cross-node delivery p50, ${what}`,
        unit: 'ms',
        runs: cross[0] ?? [],
      }),
      figure({
        id: 'nodes-delivery-p99',
        what: `cross-node delivery p99, ${what}`,
        unit: 'ms',
        runs: cross[1] ?? [],
        budget: { text: '≤ 20 ms', op: '<=', limit: 20 },
        baseline: { what: 'same-node console delivery p99', unit: 'ms', runs: same[1] ?? [] },
      }),
      figure({
        id: 'nodes-delivery-lost',
        what: 'visitor messages that never reached the other node',
        unit: 'messages',
        runs: lost,
        budget: { text: 'none', op: '<=', limit: 0 },
      }),
      figure({
        id: 'nodes-turns-two',
        what: 'visitor turns/s, 40 visitors over two nodes (2-core machine, PostgreSQL on it too)',
        unit: 'turns/s',
        runs: two,
        baseline: { what: 'the same on one node', unit: 'turns/s', runs: one },
      }),
      figure({
        id: 'nodes-notify-needed',
        what: `notifying commits/s the design needs at 1,000 turns/s (${NOTIFIES_PER_TURN} per turn, before folding)`,
        unit: 'notify/s',
        runs: [1000 * NOTIFIES_PER_TURN],
        baseline: {
          what: 'notifying commits/s this PostgreSQL sustains, 8 connections',
          unit: 'notify/s',
          runs: notify,
        },
      }),
    ],
    method: [
      `A throwaway PostgreSQL ${binDir.match(/\d+/)?.[0] ?? ''} cluster (fsync off) and two backends in their own processes on one database. Delivery: ${CONVERSATIONS} visitor sockets on node A in conversations Sam owns (the bot stays silent), Sam's console open on node A (baseline) and on node B; ${messages} messages at ${RATE_PER_S}/s per run, ${runs} runs; latency is the console frame's arrival minus the send.`,
      `Turns/s: 40 visitors in a closed loop for ${turnSeconds} s asking a ticket status (one MCP tool call each, rules model), all on node A, then spread over A and B. Both nodes, PostgreSQL and the load generator share 2 cores, so two nodes cannot be faster here; the figure shows what the leases, pointers and shared budgets cost, not a scale-out.`,
      `NOTIFY: 8 pooled connections each committing \`select pg_notify(…)\` back to back for ${quick ? 1 : 3} s with one listener; every notifying commit takes PostgreSQL's global commit lock.`,
    ],
  };
}

async function freshDatabase(adminUrl: string, name: string): Promise<string> {
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`drop database if exists ${name} with (force)`);
    await admin.query(`create database ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.href;
}

if (isMain(import.meta.url)) await runAlone(benchNodes);
