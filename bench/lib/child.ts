import { type ChildProcess, fork } from 'node:child_process';
import path from 'node:path';
import type { ProbeReport } from './probe.js';
import { BENCH_DIR } from './results.js';

/** Messages between the load generator and a server under test running in its own process. */
export type ChildMessage =
  | { type: 'ready'; url: string; dataDir?: string; visitorToken?: string }
  | { type: 'memory'; rss: number; heapUsed: number; external: number; arrayBuffers: number }
  | { type: 'statements'; count: number }
  | { type: 'usage'; cpuMicros: number; mainThreadCpuMicros?: number; counters: Record<string, number> }
  | { type: 'probing' }
  | ProbeReport;

export interface ServerChild {
  url: string;
  dataDir: string | undefined;
  /** A demo visitor token (Alice) minted by the child with its own site secret, wherever its store keeps it. */
  visitorToken: string | undefined;
  /** Statements the child's store has sent to its database so far (Store.statements()). */
  statements(): Promise<number>;
  /** Memory of the child after two full GCs. */
  memory(): Promise<Extract<ChildMessage, { type: 'memory' }>>;
  /** The child's CPU time so far (user + system, µs) and its counters (e.g. database statements). */
  usage(): Promise<Extract<ChildMessage, { type: 'usage' }>>;
  /** Starts recording event-loop delay, GC pauses, group commits and per-turn phases (bench/lib/probe.ts). */
  probeStart(): Promise<void>;
  /** Stops recording and returns what was recorded since probeStart. */
  probeStop(): Promise<ProbeReport>;
  stop(): Promise<void>;
}

const READY_TIMEOUT_MS = 30_000;

/**
 * Starts `bench/servers/<name>.ts` in a child process, so the server does not share an event loop
 * (or a core) with the load generator. `BENCH_PROFILE=<dir>` makes the child write a `--cpu-prof`.
 */
export async function startChild(name: string, env: Record<string, string> = {}): Promise<ServerChild> {
  const execArgv = ['--expose-gc', '--import', 'tsx'];
  const profileDir = process.env.BENCH_PROFILE;
  if (profileDir) execArgv.push('--cpu-prof', `--cpu-prof-dir=${path.resolve(profileDir)}`);
  const child = fork(path.join(BENCH_DIR, 'servers', `${name}.ts`), [], {
    execArgv,
    env: { ...process.env, LOG_LEVEL: 'silent', ...env },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const ready = await nextMessage(child, 'ready', READY_TIMEOUT_MS);
  return {
    url: ready.url,
    dataDir: ready.dataDir,
    visitorToken: ready.visitorToken,
    async statements() {
      child.send({ type: 'statements' });
      return (await nextMessage(child, 'statements', 30_000)).count;
    },
    async memory() {
      child.send({ type: 'memory' });
      return nextMessage(child, 'memory', 30_000);
    },
    async usage() {
      child.send({ type: 'usage' });
      return nextMessage(child, 'usage', 30_000);
    },
    async probeStart() {
      child.send({ type: 'probe-start' });
      await nextMessage(child, 'probing', 30_000);
    },
    async probeStop() {
      child.send({ type: 'probe-stop' });
      return nextMessage(child, 'probe', 30_000);
    },
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.send({ type: 'stop' });
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

function nextMessage<T extends ChildMessage['type']>(
  child: ChildProcess,
  type: T,
  timeoutMs: number,
): Promise<Extract<ChildMessage, { type: T }>> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => done(new Error(`server child sent no ${type} within ${timeoutMs} ms`)),
      timeoutMs,
    );
    const onMessage = (m: ChildMessage) => {
      if (m.type === type) done(null, m as Extract<ChildMessage, { type: T }>);
    };
    const onExit = (code: number | null) => done(new Error(`server child exited (${code}) before ${type}`));
    function done(err: Error | null, m?: Extract<ChildMessage, { type: T }>) {
      clearTimeout(timer);
      child.off('message', onMessage);
      child.off('exit', onExit);
      if (err || !m) reject(err);
      else resolve(m);
    }
    child.on('message', onMessage);
    child.once('exit', onExit);
  });
}
