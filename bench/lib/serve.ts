import { readFileSync } from 'node:fs';
import type { ChildMessage } from './child.js';
import { Probe } from './probe.js';

/**
 * The child side of `startChild`: reports readiness, answers memory probes (after full GCs, so
 * the figure is live memory rather than garbage not yet collected) and CPU/counter probes, and
 * stops on request. Between `probe-start` and `probe-stop` it records what bench/lib/probe.ts says.
 */
export function serveParent(
  ready: { url: string; dataDir?: string; visitorToken?: string },
  stop: () => Promise<void>,
  statements?: () => number,
): void {
  const send = (m: ChildMessage) => process.send?.(m);
  let probe: Probe | null = null;
  process.on('message', (m: { type?: string }) => {
    if (m.type === 'statements') {
      send({ type: 'statements', count: statements?.() ?? -1 });
    } else if (m.type === 'memory') {
      void (async () => {
        for (let i = 0; i < 3; i++) {
          globalThis.gc?.();
          await new Promise((r) => setTimeout(r, 50));
        }
        const u = process.memoryUsage();
        send({
          type: 'memory',
          rss: u.rss,
          heapUsed: u.heapUsed,
          external: u.external,
          arrayBuffers: u.arrayBuffers,
        });
      })();
    } else if (m.type === 'usage') {
      const cpu = process.cpuUsage();
      send({
        type: 'usage',
        cpuMicros: cpu.user + cpu.system,
        ...mainThread(),
        counters: statements ? { dbStatements: statements() } : {},
      });
    } else if (m.type === 'probe-start') {
      probe?.stop();
      probe = new Probe();
      send({ type: 'probing' });
    } else if (m.type === 'probe-stop') {
      // Stopped without a start (a parent's retry): an empty report rather than no answer.
      const report = (probe ?? new Probe()).stop();
      probe = null;
      send(report);
    } else if (m.type === 'stop') {
      const force = setTimeout(() => process.exit(0), 10_000);
      force.unref();
      stop().finally(() => process.exit(0));
    }
  });
  // An orphaned server (the parent crashed) must not outlive the benchmark.
  process.on('disconnect', () => process.exit(0));
  send({ type: 'ready', ...ready });
}

/**
 * The main thread's CPU alone (Linux: /proc/self/task/<pid>/stat, in clock ticks of 10 ms): the
 * event loop's share of the process, without its worker and helper threads (SQLite checkpoints, GC,
 * libuv). Absent elsewhere.
 */
function mainThread(): { mainThreadCpuMicros?: number } {
  try {
    const stat = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces), from the 3rd: utime is the 14th, stime the 15th.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    return Number.isFinite(ticks) ? { mainThreadCpuMicros: ticks * 10_000 } : {};
  } catch {
    return {};
  }
}
