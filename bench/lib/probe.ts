import { monitorEventLoopDelay, PerformanceObserver, performance } from 'node:perf_hooks';
import { type TurnPhase, traceTurns } from '../../server/turn-trace.js';

/**
 * What a server child saw while the load generator held a steady load (bench/turns.ts): its event
 * loop's delay, its GC pauses, its group commits and, per turn, when each phase was reached. Only
 * on between `probe-start` and `probe-stop`: the saturated runs' CPU figures are taken without it.
 */
export interface ProbeReport {
  type: 'probe';
  seconds: number;
  /** The probe's window on the monotonic clock a --cpu-prof's timestamps use (µs). */
  monotonicUs: [number, number];
  /** perf_hooks.monitorEventLoopDelay at 1 ms resolution: time between its timer's turns, ms. */
  eventLoop: { p50: number; p99: number; max: number };
  /** GC pauses (PerformanceObserver 'gc'), ms: all, and the major (mark-compact) ones. */
  gc: { count: number; totalMs: number; maxMs: number; majorCount: number; majorMs: number };
  /** Group commits by what they wrote: how many, rows per commit, and their time on the loop (ms). */
  commits: Record<string, { count: number; meanRows: number; maxRows: number; p99Ms: number; maxMs: number }>;
  /**
   * Stretches of 5 ms or more in which a 1 ms timer did not run (the loop was held), and what
   * overlapped them: GC pauses, group commits, and how much of the stretch the process had CPU
   * (much less than the stretch: it was descheduled or waited in a system call).
   */
  stalls?: {
    count: number;
    totalMs: number;
    gcMs: number;
    commitMs: number;
    cpuMs: number;
    longest: number[];
  };
  /** Per traced turn: the client id of its message and the epoch time (ms) of each phase reached. */
  turns: { clientId: string; at: Partial<Record<TurnPhase, number>> }[];
}

/** Epoch milliseconds with sub-millisecond precision, comparable across processes on one machine. */
export function epochMs(): number {
  return performance.timeOrigin + performance.now();
}

export class Probe {
  readonly #loop = monitorEventLoopDelay({ resolution: 1 });
  readonly #gc: { ms: number; major: boolean }[] = [];
  readonly #observer = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      // detail.kind 4 is NODE_PERFORMANCE_GC_MAJOR (mark-compact).
      const kind = (e as unknown as { detail?: { kind?: number } }).detail?.kind;
      this.#gc.push({ ms: e.duration, major: kind === 4 });
      this.#gcAt.push({ start: e.startTime, end: e.startTime + e.duration });
    }
  });
  readonly #commits = new Map<string, { rows: number; ms: number; start: number }[]>();
  readonly #gcAt: { start: number; end: number }[] = [];
  readonly #stalls: { start: number; end: number; cpuMs: number }[] = [];
  readonly #ticker: NodeJS.Timeout | null;
  readonly #open = new Map<string, { clientId: string; at: Partial<Record<TurnPhase, number>> }>();
  readonly #turns: ProbeReport['turns'] = [];
  readonly #started = performance.now();
  readonly #startedUs = Number(process.hrtime.bigint() / 1000n);

  constructor() {
    // The stall log costs a timer and a getrusage per millisecond (≈ 5 % of the server's CPU at the
    // steady rate): only with BENCH_STALLS=1.
    this.#ticker = process.env.BENCH_STALLS === '1' ? this.#stallLog() : null;
    this.#loop.enable();
    this.#observer.observe({ entryTypes: ['gc'] });
    traceTurns({
      mark: (conversationId, phase, clientId) => {
        const now = epochMs();
        if (phase === 'received') {
          const turn = { clientId: clientId ?? '', at: { received: now } };
          this.#open.set(conversationId, turn);
          this.#turns.push(turn);
          return;
        }
        const turn = this.#open.get(conversationId);
        // The first time a phase is reached counts (a second tool call keeps the first's marks).
        if (turn && turn.at[phase] === undefined) turn.at[phase] = now;
      },
      commit: (what, rows, ms) => {
        let list = this.#commits.get(what);
        if (!list) {
          list = [];
          this.#commits.set(what, list);
        }
        list.push({ rows, ms, start: performance.now() - ms });
      },
    });
  }

  #stallLog(): NodeJS.Timeout {
    let last = performance.now();
    let lastCpu = process.cpuUsage();
    return setInterval(() => {
      const now = performance.now();
      const cpu = process.cpuUsage();
      if (now - last >= 5) {
        const cpuMs = (cpu.user + cpu.system - lastCpu.user - lastCpu.system) / 1000;
        this.#stalls.push({ start: last, end: now, cpuMs });
      }
      last = now;
      lastCpu = cpu;
    }, 1);
  }

  stop(): ProbeReport {
    traceTurns(null);
    if (this.#ticker) clearInterval(this.#ticker);
    this.#loop.disable();
    this.#observer.disconnect();
    const ms = (ns: number) => ns / 1e6;
    const gcMs = this.#gc.map((g) => g.ms);
    const commits: ProbeReport['commits'] = {};
    for (const [what, list] of this.#commits) {
      const times = list.map((c) => c.ms).sort((a, b) => a - b);
      commits[what] = {
        count: list.length,
        meanRows: list.reduce((n, c) => n + c.rows, 0) / Math.max(1, list.length),
        maxRows: Math.max(0, ...list.map((c) => c.rows)),
        p99Ms: times[Math.max(0, Math.ceil(0.99 * times.length) - 1)] ?? 0,
        maxMs: times.at(-1) ?? 0,
      };
    }
    const major = this.#gc.filter((g) => g.major);
    const allCommits = [...this.#commits.values()]
      .flat()
      .map((c) => ({ start: c.start, end: c.start + c.ms }));
    const overlap = (a: { start: number; end: number }, list: { start: number; end: number }[]) =>
      list.reduce((n, b) => n + Math.max(0, Math.min(a.end, b.end) - Math.max(a.start, b.start)), 0);
    const stallMs = this.#stalls.map((x) => x.end - x.start);
    return {
      type: 'probe',
      seconds: (performance.now() - this.#started) / 1000,
      monotonicUs: [this.#startedUs, Number(process.hrtime.bigint() / 1000n)],
      eventLoop: {
        p50: ms(this.#loop.percentile(50)),
        p99: ms(this.#loop.percentile(99)),
        max: ms(this.#loop.max),
      },
      gc: {
        count: gcMs.length,
        totalMs: gcMs.reduce((a, b) => a + b, 0),
        maxMs: Math.max(0, ...gcMs),
        majorCount: major.length,
        majorMs: major.reduce((a, g) => a + g.ms, 0),
      },
      commits,
      ...(this.#ticker && {
        stalls: {
          count: this.#stalls.length,
          totalMs: stallMs.reduce((a, b) => a + b, 0),
          gcMs: this.#stalls.reduce((n, x) => n + overlap(x, this.#gcAt), 0),
          commitMs: this.#stalls.reduce((n, x) => n + overlap(x, allCommits), 0),
          cpuMs: this.#stalls.reduce((n, x) => n + Math.min(x.cpuMs, x.end - x.start), 0),
          longest: stallMs.sort((a, b) => b - a).slice(0, 5),
        },
      }),
      turns: this.#turns,
    };
  }
}
