// CRM adapters: upstream requests per tool call (counted at each loopback vendor fake) and visitor
// turns/s with each adapter against its fake answering with 20 ms added latency, beside the embedded
// CRM in the same run. Deputy and the fakes run in this process (the fakes are cheap next to a turn).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { signVisitorToken } from '../server/auth/visitor-token.js';
import { type CrmFixture, type CrmKind, startCrm, VISITOR } from '../test/server/crm/harness.js';
import { isMain, runAlone } from './lib/main.js';
import { type BenchResult, type Figure, figure, newResult } from './lib/results.js';
import { closedLoop, type LoopSocket, openMany, LoopSocket as Socket } from './lib/sockets.js';
import { assistantAnswer, messageFrame } from './lib/visitors.js';

const KINDS: CrmKind[] = ['embedded', 'hubspot', 'salesforce', 'zendesk'];
/** Every simulated visitor is Alice from 127.0.0.1: the abuse limits are raised (they still run). */
const UNLIMITED = Object.fromEntries(
  [
    'FRAMES_PER_SECOND',
    'FRAME_BURST',
    'CONNECTIONS_PER_IP',
    'CONNECTIONS_PER_VISITOR',
    'MESSAGES_PER_MINUTE',
    'MODEL_CALLS_PER_MINUTE',
  ].map((n) => [`DEPUTY_LIMIT_${n}`, '100000000']),
);
const TOOLS = ['get_customer_info', 'get_ticket_status', 'list_my_tickets'] as const;

async function callOver(f: CrmFixture, token: string, name: string, args: object): Promise<void> {
  const res = await fetch(`${f.server.url}/mcp`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      authorization: `Bearer ${token}`,
    },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name, arguments: args } }),
  });
  const body = (await res.json()) as { result?: { isError?: boolean } };
  if (!body.result || body.result.isError)
    throw new Error(`${name} failed: ${JSON.stringify(body).slice(0, 200)}`);
}

/** Upstream HTTP requests one call of each tool makes (after start-up, so HubSpot's stages are cached). */
async function requestsPerCall(f: CrmFixture): Promise<Record<string, number>> {
  const token = await f.token(f.alice, VISITOR);
  const out: Record<string, number> = {};
  for (const tool of TOOLS) {
    const args = tool === 'get_ticket_status' ? { ticket_id: f.aliceTicket } : {};
    await callOver(f, token, tool, args);
    const before = f.fake?.requests.length ?? 0;
    await callOver(f, token, tool, args);
    out[tool] = (f.fake?.requests.length ?? 0) - before;
  }
  return out;
}

async function openVisitor(f: CrmFixture): Promise<LoopSocket> {
  const secret = readFileSync(path.join(f.server.dataDir, 'keys', 'site-acme.secret'), 'utf8').trim();
  const token = await signVisitorToken({
    secret: new Uint8Array(Buffer.from(secret, 'base64url')),
    site: 'acme',
    audience: 'deputy',
    sub: f.alice,
    name: 'Alice Martin',
  });
  const socket = await Socket.open(`${f.server.url.replace(/^http/, 'ws')}/ws?site=acme`);
  await socket.roundTrip(
    JSON.stringify({ type: 'hello', v: 1, site: 'acme', token }),
    (d) => JSON.parse(d).type === 'welcome',
  );
  return socket;
}

async function turnsPerSecond(
  f: CrmFixture,
  visitors: number,
  turnsEach: number,
  runs: number,
): Promise<number[]> {
  if (f.fake) f.fake.latencyMs = 20;
  const sockets = await openMany(visitors, () => openVisitor(f));
  const turn = (s: LoopSocket) =>
    s.roundTrip(
      messageFrame(`What's the status of ticket ${f.aliceTicket}?`),
      assistantAnswer(['Order #5512 arrived damaged']),
    );
  await closedLoop(sockets, 1, 60_000, turn); // warm-up: MCP client, tool listing
  const rates: number[] = [];
  for (let i = 0; i < runs; i++) {
    const r = await closedLoop(sockets, turnsEach, 60_000, turn);
    if (r.errors > 0) throw new Error(`${r.errors} failed turns (first: ${r.firstError})`);
    rates.push(r.completed / r.seconds);
  }
  for (const s of sockets) s.close();
  return rates;
}

export async function benchCrm(quick = false): Promise<BenchResult> {
  const started = performance.now();
  const [visitors, turnsEach, runs] = quick ? [2, 2, 1] : [10, 10, 3];
  const figures: Figure[] = [];
  let embedded: number[] = [];
  for (const kind of KINDS) {
    const f = await startCrm(kind, { timeoutMs: 5000, env: UNLIMITED });
    try {
      if (f.fake) {
        const counts = await requestsPerCall(f);
        for (const tool of TOOLS)
          figures.push(
            figure({
              id: `crm-${kind}-${tool}`,
              what: `${kind}: upstream requests per ${tool}`,
              unit: 'requests',
              runs: [counts[tool] ?? 0],
            }),
          );
      }
      const rates = await turnsPerSecond(f, visitors, turnsEach, runs);
      if (kind === 'embedded') embedded = rates;
      figures.push(
        figure({
          id: `crm-${kind}-turns`,
          what: `visitor turns/s, ${kind} CRM${f.fake ? ' (fake answering +20 ms)' : ''}`,
          unit: 'turns/s',
          runs: rates,
          ...(f.fake
            ? { baseline: { what: 'embedded CRM, same run', unit: 'turns/s', runs: embedded } }
            : {}),
        }),
      );
    } finally {
      await f.close();
    }
  }
  return {
    ...newResult('crm', 'CRM adapters: upstream requests per tool call and visitor turns/s per CRM', started),
    figures,
    method: [
      'Deputy boots one site per CRM (embedded, or an adapter pointed at its loopback fake from test/fakes/), in this process.',
      `Requests per call: each tool called twice over /mcp as Alice; the second call's requests counted at the fake. Turns/s: ${visitors} signed-in visitors over real WebSockets ask for a ticket's status (rules model, one get_ticket_status per turn), ${turnsEach} turns each, ${runs} runs; the fakes add 20 ms to every answer.`,
    ],
  };
}

if (isMain(import.meta.url)) await runAlone(benchCrm);
