// MCP tool calls over Streamable HTTP at concurrency 1 and 50: Deputy's /mcp (token verified,
// scopes, ownership, audit record) against the SDK's reference stateless pattern serving the same
// tool over the same CRM (bench/servers/mcp-reference.ts), both in their own process, same run.
import { loadSigningKey } from '../server/auth/keys.js';
import { signMcpToken } from '../server/auth/mcp-token.js';
import { startChild } from './lib/child.js';
import { postLoad } from './lib/http-load.js';
import { isMain, runAlone } from './lib/main.js';
import { type BenchResult, type Figure, figure, newResult } from './lib/results.js';
import type { LoopResult } from './lib/sockets.js';
import { quantile } from './lib/stats.js';

const CALL = JSON.stringify({
  jsonrpc: '2.0',
  id: 1,
  method: 'tools/call',
  params: { name: 'get_ticket_status', arguments: { ticket_id: 'T-1001' } },
});
const EXPECT = 'Order #5512 arrived damaged';

interface Run {
  rate: number;
  p99: number;
  /** CPU time of the server's process per call (µs): machine-independent where rates are not. */
  cpuUs: number;
}

function runOf(r: LoopResult, cpuMicros = 0): Run {
  if (r.errors > 0) throw new Error(`${r.errors} failed MCP calls (first: ${r.firstError})`);
  return {
    rate: r.completed / r.seconds,
    p99: quantile(r.latenciesMs, 0.99),
    cpuUs: cpuMicros / r.completed,
  };
}

async function measure(
  name: 'deputy' | 'mcp-reference',
  levels: readonly { concurrency: number; total: number }[],
  runs: number,
): Promise<Map<number, Run[]>> {
  const server = await startChild(name);
  try {
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
    };
    if (name === 'deputy') {
      const key = await loadSigningKey(server.dataDir ?? '');
      const token = await signMcpToken(
        key,
        { issuer: server.url, audience: `${server.url}/mcp` },
        { sub: 'cus_alice', scopes: ['crm.read'], client: 'bench' },
      );
      headers.authorization = `Bearer ${token}`;
    }
    const load = (concurrency: number, total: number) =>
      postLoad({
        url: `${server.url}/mcp`,
        body: CALL,
        headers,
        total,
        concurrency,
        deadlineMs: 30_000,
        expect: EXPECT,
      });
    runOf(await load(10, 300)); // warm-up: JIT, SQLite page cache, token cache
    const out = new Map<number, Run[]>();
    for (const { concurrency, total } of levels) {
      const list: Run[] = [];
      for (let i = 0; i < runs; i++) {
        const before = await server.usage();
        const result = await load(concurrency, total);
        const after = await server.usage();
        list.push(runOf(result, after.cpuMicros - before.cpuMicros));
      }
      out.set(concurrency, list);
    }
    return out;
  } finally {
    await server.stop();
  }
}

/** The MCP benchmark. */
export async function benchMcp(quick = false): Promise<BenchResult> {
  const started = performance.now();
  const runs = quick ? 1 : 3;
  const levels = quick
    ? [
        { concurrency: 1, total: 20 },
        { concurrency: 50, total: 100 },
      ]
    : [
        { concurrency: 1, total: 1000 },
        { concurrency: 50, total: 4000 },
      ];
  const reference = await measure('mcp-reference', levels, runs);
  const deputy = await measure('deputy', levels, runs);
  const figures: Figure[] = [];
  for (const { concurrency } of levels) {
    const d = deputy.get(concurrency) ?? [];
    const r = reference.get(concurrency) ?? [];
    const base = `SDK reference stateless`;
    figures.push(
      figure({
        id: `mcp.c${concurrency}.rate`,
        what: `MCP get_ticket_status calls, concurrency ${concurrency}`,
        unit: 'calls/s',
        runs: d.map((x) => x.rate),
        baseline: { what: base, unit: 'calls/s', runs: r.map((x) => x.rate) },
        ...(concurrency === 50 ? { ratioBudget: { text: '≥ 4×', op: '>=' as const, limit: 4 } } : {}),
      }),
      figure({
        id: `mcp.c${concurrency}.cpu`,
        what: `server CPU per MCP call, concurrency ${concurrency}`,
        unit: 'µs',
        runs: d.map((x) => x.cpuUs),
        baseline: { what: base, unit: 'µs', runs: r.map((x) => x.cpuUs) },
      }),
      figure({
        id: `mcp.c${concurrency}.p99`,
        what: `MCP call latency p99, concurrency ${concurrency}`,
        unit: 'ms',
        runs: d.map((x) => x.p99),
        baseline: { what: base, unit: 'ms', runs: r.map((x) => x.p99) },
      }),
    );
  }
  return {
    ...newResult('mcp', 'MCP tool calls', started),
    figures,
    method: [
      'Raw JSON-RPC tools/call POSTs over keep-alive HTTP (no client SDK in the load generator, so the client is',
      `not the bottleneck), ${levels.map((l) => `${l.total.toLocaleString('en-US')} calls at concurrency ${l.concurrency}`).join(' and ')}`,
      `per run, ${runs} runs, after 300 warm-up calls; a call counts only if the answer carries the ticket's subject.`,
      "Deputy verifies an EdDSA MCP token (crm.read, Alice) and writes an audit row per call; the reference is the SDK's",
      'stateless example (new McpServer + transport per request, default validator, SSE response, no auth) serving',
      "the same tool schema and the same CRM queries. Server CPU per call is the server process's user + system time",
      'over the run divided by the calls: unlike the rates, it does not depend on what else the two cores run.',
    ],
  };
}

if (isMain(import.meta.url)) await runAlone(benchMcp);
