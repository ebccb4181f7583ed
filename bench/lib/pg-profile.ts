// Where PostgreSQL's CPU goes during a benchmark run: pg_stat_statements (calls, planning and
// execution time per statement) and each backend's CPU from /proc, both per turn. Used by
// `bench/store.ts --pg-statements`; the cluster must be started with
// `shared_preload_libraries=pg_stat_statements` (PG_PROFILE_SETTINGS).
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import pg from 'pg';

/** The cluster settings the profile needs: the extension loaded, planning time tracked. */
export const PG_PROFILE_SETTINGS: Record<string, string> = {
  shared_preload_libraries: 'pg_stat_statements',
  'pg_stat_statements.track_planning': 'on',
  'pg_stat_statements.max': '5000',
};

/** Clock ticks per second of /proc/<pid>/stat times (USER_HZ, 100 on Linux). */
const TICKS = 100;

function statFields(pid: number | string): string[] {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // After the command: state(0) ppid(1) … utime(11) stime(12) cutime(13) cstime(14).
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
}

/** CPU ticks of every live child of the postmaster, and what the postmaster reaped so far. */
function childTicks(postmaster: number): { children: Map<number, number>; reaped: number } {
  const children = new Map<number, number>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const f = statFields(name);
      if (Number(f[1]) === postmaster) children.set(Number(name), Number(f[11]) + Number(f[12]));
    } catch {
      // Ended meanwhile: counted in the postmaster's cutime.
    }
  }
  const own = statFields(postmaster);
  return {
    children,
    reaped: Number(own[11]) + Number(own[12]) + Number(own[13]) + Number(own[14]),
  };
}

interface StatementRow {
  query: string;
  calls: number;
  plans: number;
  total_plan_time: number;
  total_exec_time: number;
  rows: number;
  shared_blks_hit: number;
  shared_blks_read: number;
}

export interface PgProfiler {
  /** Clears the statement statistics and takes the processes' CPU now. */
  begin(): Promise<void>;
  /** Prints both, per turn, for the `turns` completed since begin(). */
  end(turns: number, top?: number): Promise<void>;
  close(): Promise<void>;
}

/**
 * Statement texts of one kind counted together: the live bus's flushes (their text changes with the
 * number of pointers and lease writes they carry) and multi-row inserts (one text per row count).
 */
function groupStatements(rows: StatementRow[]): StatementRow[] {
  const groups = new Map<string, StatementRow>();
  for (const r of rows) {
    const flat = r.query.replace(/\s+/g, ' ').trim();
    const key = /pg_notify|^with w0 AS \(/i.test(flat)
      ? '(live bus flushes: pointers, with the turn leases taken and released) '
      : flat.replace(/ values \(.*$/i, ' values (…)');
    const g = groups.get(key);
    if (!g) groups.set(key, { ...r, query: key === flat ? r.query : key });
    else
      for (const f of ['calls', 'plans', 'total_plan_time', 'total_exec_time', 'rows'] as const) g[f] += r[f];
  }
  return [...groups.values()].sort(
    (a, b) => b.total_plan_time + b.total_exec_time - (a.total_plan_time + a.total_exec_time),
  );
}

const oneLine = (q: string, width: number) => {
  const s = q.replace(/\s+/g, ' ').trim();
  return s.length > width ? `${s.slice(0, width - 1)}…` : s;
};

export async function pgProfiler(url: string, postmaster: number): Promise<PgProfiler> {
  const client = new pg.Client({ connectionString: url, application_name: 'bench-profile' });
  await client.connect();
  await client.query('create extension if not exists pg_stat_statements');
  const { rows: me } = await client.query<{ pid: number }>('select pg_backend_pid() as pid');
  const myPid = me[0]?.pid;
  let before = childTicks(postmaster);
  return {
    async begin() {
      await client.query('select pg_stat_statements_reset()');
      before = childTicks(postmaster);
    },
    async end(turns, top = 40) {
      const after = childTicks(postmaster);
      const { rows: activity } = await client.query<{
        pid: number;
        backend_type: string;
        application_name: string;
      }>('select pid, backend_type, application_name from pg_stat_activity');
      const { rows } = await client.query<StatementRow>(
        `select query, calls::float8 as calls, plans::float8 as plans, total_plan_time, total_exec_time,
                rows::float8 as rows, shared_blks_hit::float8 as shared_blks_hit,
                shared_blks_read::float8 as shared_blks_read
           from pg_stat_statements
          where dbid = (select oid from pg_database where datname = current_database())
            and query not like '%pg_stat_statements%'
          order by total_plan_time + total_exec_time desc`,
      );
      // Every statement's full text and figures, for a closer look than the table's.
      if (process.env.BENCH_PG_STATEMENTS_FILE)
        writeFileSync(process.env.BENCH_PG_STATEMENTS_FILE, JSON.stringify(rows, null, 1));
      const grouped = groupStatements(rows);
      const per = (n: number) => n / Math.max(1, turns);
      const us = (ms: number) => Math.round(per(ms) * 1000);
      let calls = 0;
      let plan = 0;
      let exec = 0;
      for (const r of rows) {
        calls += r.calls;
        plan += r.total_plan_time;
        exec += r.total_exec_time;
      }
      console.log(
        `\n  pg_stat_statements, per turn (${turns} turns, ${rows.length} statement texts in ${grouped.length} kinds):`,
      );
      console.log(
        `  calls/turn  plan µs/turn  exec µs/turn  plan µs/call  exec µs/call  rows/call  statement`,
      );
      for (const r of grouped.slice(0, top)) {
        console.log(
          `  ${per(r.calls).toFixed(2).padStart(10)}  ${String(us(r.total_plan_time)).padStart(12)}  ${String(
            us(r.total_exec_time),
          ).padStart(
            12,
          )}  ${(r.plans ? (r.total_plan_time * 1000) / r.plans : 0).toFixed(0).padStart(12)}  ${(
            (r.total_exec_time * 1000) /
            Math.max(1, r.calls)
          )
            .toFixed(0)
            .padStart(
              12,
            )}  ${(r.rows / Math.max(1, r.calls)).toFixed(1).padStart(9)}  ${oneLine(r.query, 150)}`,
        );
      }
      console.log(
        `  ${per(calls).toFixed(2).padStart(10)}  ${String(us(plan)).padStart(12)}  ${String(us(exec)).padStart(12)}  (all statements)`,
      );
      // Processes: each live child's CPU since begin(), by what it is.
      const kind = new Map<number, string>();
      for (const a of activity) {
        if (a.pid === myPid) kind.set(a.pid, 'this profile');
        else if (a.backend_type === 'client backend') kind.set(a.pid, `client: ${a.application_name || '?'}`);
        else kind.set(a.pid, a.backend_type);
      }
      const byKind = new Map<string, { n: number; ticks: number }>();
      const add = (k: string, ticks: number) => {
        const e = byKind.get(k) ?? { n: 0, ticks: 0 };
        e.n++;
        e.ticks += ticks;
        byKind.set(k, e);
      };
      for (const [pid, t] of after.children)
        add(kind.get(pid) ?? 'other', t - (before.children.get(pid) ?? 0));
      add('postmaster + reaped children', after.reaped - before.reaped);
      let total = 0;
      for (const e of byKind.values()) total += e.ticks;
      const cpuUs = (ticks: number) => Math.round(per((ticks * 1_000_000) / TICKS));
      console.log(
        `\n  PostgreSQL's processes, CPU per turn (/proc, ${1000 / TICKS} ms ticks): ${cpuUs(total)} µs`,
      );
      for (const [k, e] of [...byKind.entries()].sort((a, b) => b[1].ticks - a[1].ticks)) {
        console.log(`  ${String(cpuUs(e.ticks)).padStart(8)} µs  ${k} (${e.n})`);
      }
    },
    close: () => client.end(),
  };
}
