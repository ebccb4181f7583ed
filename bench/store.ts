// The store on SQLite and on PostgreSQL, same run: visitor turns/s on each (the turn benchmark's
// question, 50 visitors), and database round trips per tool-using turn, counted at the driver
// boundary (Store.statements(): every statement sent, BEGIN and COMMIT included), not timed.
// PostgreSQL is a throwaway cluster started here from the machine's binaries (fsync off, loopback).
// CPU per turn (the server child's, and PostgreSQL's own processes') does not depend on how busy
// the machine is: where turns/s is CPU-bound, their ratio is what the turns/s ratio comes to.
import { readdirSync, readFileSync } from 'node:fs';
import pg from 'pg';
import { findPostgresBinDir, startPostgresCluster } from '../test/helpers/postgres-cluster.js';
import { startChild } from './lib/child.js';
import { isMain, quickMode, runAlone } from './lib/main.js';
import { PG_PROFILE_SETTINGS, type PgProfiler, pgProfiler } from './lib/pg-profile.js';
import { type BenchResult, type Figure, figure, newResult } from './lib/results.js';
import { closedLoop, type LoopSocket, openMany } from './lib/sockets.js';
import { quantile, round } from './lib/stats.js';
import { assistantAnswer, messageFrame, numbered, openVisitor } from './lib/visitors.js';

const QUESTION = "What's the status of ticket T-1001?";
const EXPECT = ['T-1001', 'open'];

interface StoreRun {
  rates: number[];
  /** CPU per turn at saturation, µs: the server child's, and PostgreSQL's (0 on SQLite). */
  serverCpuUs: number[];
  databaseCpuUs: number[];
  p99s: number[];
  failed: number;
  /** Statements per turn, one visitor at a time (nothing shared between turns). */
  perTurnAlone: number;
  /** Statements per turn at saturation (appends of concurrent turns share transactions). */
  perTurnLoaded: number[];
}

/** Clock ticks per second of /proc/<pid>/stat times (USER_HZ, 100 on Linux). */
const TICKS = 100;

/**
 * CPU (µs) used so far by a PostgreSQL cluster: the postmaster, its live children (backends and
 * background processes) and the children it has reaped. Null where /proc cannot be read.
 */
function clusterCpuMicros(postmasterPid: number): number | null {
  try {
    const fields = (pid: string) => {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    };
    // After the command: state(0) ppid(1) … utime(11) stime(12) cutime(13) cstime(14).
    const own = fields(String(postmasterPid));
    let ticks = Number(own[11]) + Number(own[12]) + Number(own[13]) + Number(own[14]);
    for (const pid of readdirSync('/proc')) {
      if (!/^\d+$/.test(pid)) continue;
      try {
        const f = fields(pid);
        if (Number(f[1]) === postmasterPid) ticks += Number(f[11]) + Number(f[12]);
      } catch {
        // The process ended meanwhile: its time is in the postmaster's cutime/cstime.
      }
    }
    return (ticks * 1_000_000) / TICKS;
  } catch {
    return null;
  }
}

/** The postmaster's pid, from the data directory the server names. */
async function postmasterPid(url: string): Promise<number | null> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ setting: string }>(
      "select setting from pg_settings where name = 'data_directory'",
    );
    const dir = rows[0]?.setting;
    return dir ? Number(readFileSync(`${dir}/postmaster.pid`, 'utf8').split('\n')[0]) : null;
  } catch {
    return null;
  } finally {
    await client.end();
  }
}

async function runOn(
  env: Record<string, string>,
  visitors: number,
  turnsEach: number,
  runs: number,
  profile = false,
): Promise<StoreRun> {
  const pgPid = env.DATABASE_URL ? await postmasterPid(env.DATABASE_URL) : null;
  const databaseCpu = () => (pgPid ? clusterCpuMicros(pgPid) : null);
  const server = await startChild('deputy', env);
  let profiler: PgProfiler | null = null;
  try {
    if (profile && env.DATABASE_URL && pgPid) profiler = await pgProfiler(env.DATABASE_URL, pgPid);
    const token = server.visitorToken;
    if (!token) throw new Error('the deputy child sent no visitor token');
    const sockets = await openMany(visitors, () => openVisitor(server.url, token));
    const turn = (socket: LoopSocket) =>
      socket.roundTrip(messageFrame(numbered(QUESTION)), assistantAnswer(EXPECT));
    // Warm-up: each visitor's first turn connects its MCP client and lists tools.
    for (let i = 0; i < sockets.length; i += 20) await closedLoop(sockets.slice(i, i + 20), 1, 60_000, turn);
    const alone = sockets.slice(0, 1);
    const aloneTurns = 20;
    const before = await server.statements();
    const a = await closedLoop(alone, aloneTurns, 60_000, turn);
    const perTurnAlone = ((await server.statements()) - before) / Math.max(1, a.completed);
    const out: StoreRun = {
      rates: [],
      serverCpuUs: [],
      databaseCpuUs: [],
      p99s: [],
      failed: a.errors,
      perTurnAlone,
      perTurnLoaded: [],
    };
    let profiledTurns = 0;
    await profiler?.begin();
    for (let r = 0; r < runs; r++) {
      const s0 = await server.statements();
      const cpu0 = (await server.usage()).cpuMicros;
      const db0 = databaseCpu();
      const res = await closedLoop(sockets, turnsEach, 60_000, turn);
      const done = Math.max(1, res.completed);
      profiledTurns += res.completed;
      out.perTurnLoaded.push(((await server.statements()) - s0) / done);
      out.serverCpuUs.push(((await server.usage()).cpuMicros - cpu0) / done);
      const db1 = databaseCpu();
      out.databaseCpuUs.push(db0 !== null && db1 !== null ? (db1 - db0) / done : 0);
      out.rates.push(res.completed / res.seconds);
      out.p99s.push(quantile(res.latenciesMs, 0.99));
      out.failed += res.errors;
      if (res.errors > 0) console.warn(`  ${res.errors} failed turns (first: ${res.firstError})`);
    }
    await profiler?.end(profiledTurns);
    for (const s of sockets) s.close();
    return out;
  } finally {
    await profiler?.close();
    await server.stop();
  }
}

/** A fresh database on a throwaway cluster, or null where PostgreSQL is not installed. */
async function postgres(profile: boolean): Promise<{ url: string; stop(): void } | null> {
  const binDir = findPostgresBinDir();
  if (!binDir) return null;
  const cluster = await startPostgresCluster(binDir, profile ? PG_PROFILE_SETTINGS : {});
  const admin = new pg.Client({ connectionString: cluster.adminUrl });
  await admin.connect();
  await admin.query('create database deputy_bench');
  await admin.end();
  const url = new URL(cluster.adminUrl);
  url.pathname = '/deputy_bench';
  return { url: url.href, stop: () => cluster.stop() };
}

/**
 * Options of a run by hand (`npx tsx bench/store.ts --quick --pg-statements --visitors=50 --turns=10`):
 * the scenario's size, and a profile of PostgreSQL's statements and processes over the saturated
 * runs (printed; the cluster then runs pg_stat_statements, which costs a little CPU itself).
 */
export interface StoreOptions {
  visitors?: number;
  turnsEach?: number;
  runs?: number;
  pgStatements?: boolean;
}

function optionsFromArgv(argv: readonly string[]): StoreOptions {
  const num = (name: string) => {
    const arg = argv.find((a) => a.startsWith(`--${name}=`));
    return arg ? Number(arg.slice(name.length + 3)) : undefined;
  };
  const out: StoreOptions = { pgStatements: argv.includes('--pg-statements') };
  const visitors = num('visitors');
  const turnsEach = num('turns');
  const runs = num('runs');
  if (visitors) out.visitors = visitors;
  if (turnsEach) out.turnsEach = turnsEach;
  if (runs) out.runs = runs;
  return out;
}

export async function benchStore(quick = false, opts: StoreOptions = {}): Promise<BenchResult> {
  const started = performance.now();
  const visitors = opts.visitors ?? (quick ? 5 : 50);
  const turnsEach = opts.turnsEach ?? (quick ? 2 : 10);
  const runs = opts.runs ?? (quick ? 1 : 3);
  const profile = opts.pgStatements ?? false;
  const sqlite = await runOn({}, visitors, turnsEach, runs);
  const cluster = await postgres(profile);
  const figures: Figure[] = [
    figure({
      id: 'store.sqlite.statements',
      what: 'SQLite: statements per tool-using turn, one visitor',
      unit: 'statements',
      runs: [sqlite.perTurnAlone],
    }),
  ];
  if (!cluster) {
    console.warn('  PostgreSQL is not installed: only SQLite was measured');
  } else {
    try {
      const pgRun = await runOn({ DATABASE_URL: cluster.url }, visitors, turnsEach, runs, profile);
      figures.push(
        figure({
          id: 'store.postgres.round-trips',
          what: 'PostgreSQL: round trips per tool-using turn, one visitor (counted)',
          unit: 'round trips',
          runs: [pgRun.perTurnAlone],
          budget: { text: '≤ 4', op: '<=', limit: 4 },
        }),
        figure({
          id: 'store.postgres.round-trips.loaded',
          what: `PostgreSQL: round trips per turn, ${visitors} visitors saturated`,
          unit: 'round trips',
          runs: pgRun.perTurnLoaded,
        }),
        figure({
          id: 'store.postgres.rate',
          what: `visitor turns on PostgreSQL, ${visitors} visitors, saturated`,
          unit: 'turns/s',
          runs: pgRun.rates,
          baseline: { what: `the same on SQLite, ${visitors} visitors`, unit: 'turns/s', runs: sqlite.rates },
          ratioBudget: { text: '≥ 1/2 (within 2× of SQLite)', op: '>=', limit: 0.5 },
        }),
        figure({
          id: 'store.postgres.cpu',
          what: `CPU per turn on PostgreSQL, ${visitors} visitors: the server's and PostgreSQL's`,
          unit: 'µs',
          runs: pgRun.serverCpuUs.map((c, i) => c + (pgRun.databaseCpuUs[i] ?? 0)),
          baseline: { what: 'the server on SQLite (in process)', unit: 'µs', runs: sqlite.serverCpuUs },
        }),
        figure({
          id: 'store.postgres.cpu.database',
          what: `of which PostgreSQL's own processes, ${visitors} visitors`,
          unit: 'µs',
          runs: pgRun.databaseCpuUs,
        }),
        figure({
          id: 'store.postgres.p99',
          what: `turn latency p99 on PostgreSQL, ${visitors} visitors, saturated`,
          unit: 'ms',
          runs: pgRun.p99s,
          baseline: { what: 'the same on SQLite', unit: 'ms', runs: sqlite.p99s },
        }),
        figure({
          id: 'store.postgres.failed',
          what: 'failed turns on PostgreSQL',
          unit: 'turns',
          runs: [pgRun.failed],
          budget: { text: 'none fail', op: '<=', limit: 0 },
        }),
      );
    } finally {
      cluster.stop();
    }
  }
  figures.push(
    figure({
      id: 'store.sqlite.failed',
      what: 'failed turns on SQLite',
      unit: 'turns',
      runs: [sqlite.failed],
      budget: { text: 'none fail', op: '<=', limit: 0 },
    }),
  );
  for (const f of figures) f.value.median = round(f.value.median);
  return {
    ...newResult('store', 'Store: SQLite and PostgreSQL', started),
    figures,
    method: [
      `The real backend in its own process, once on SQLite (WAL, the default) and once with DATABASE_URL on a`,
      'PostgreSQL 15 cluster started for the run on loopback (fsync off, as in tests: this measures round trips and',
      `CPU, not disk). Each turn is "${QUESTION}", numbered so no text repeats (one get_ticket_status call through the in-process MCP server,`,
      `rules model). Round trips: statements counted at the driver boundary over 20 turns of one visitor, BEGIN and`,
      `COMMIT included. Rates: ${visitors} visitors × ${turnsEach} turns, closed loop, ${runs} runs, after a warm-up turn each.`,
      'CPU per turn in those runs: the server child (process.cpuUsage) and the PostgreSQL cluster (/proc: the postmaster,',
      'its children and the children it reaped), which on SQLite runs inside the server.',
    ],
  };
}

if (isMain(import.meta.url)) {
  const opts = optionsFromArgv(process.argv);
  // A resized or profiled run is not the README's figure: it is never saved.
  if ((opts.pgStatements || opts.visitors || opts.turnsEach || opts.runs) && !quickMode()) {
    throw new Error('--pg-statements, --visitors, --turns and --runs go with --quick (the run is not saved)');
  }
  await runAlone((quick) => benchStore(quick, opts));
}
