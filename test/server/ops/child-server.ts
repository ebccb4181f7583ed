import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '../../..');

/** The real server as its own process (`node --import tsx server/main.ts`), on 127.0.0.1. */
export interface ChildServer {
  url: string;
  proc: ChildProcess;
  /** The process's output so far (for failure messages). */
  output(): string;
  /** Resolves with the exit code (or signal) once the process has ended. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** A port free right now on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/**
 * Spawns the server with `env` on `port` and waits (bounded) until `/readyz` answers 200. One
 * process, no npx/tsx wrapper, so a signal reaches the server itself.
 */
export async function spawnServer(opts: {
  dataDir: string;
  port: number;
  env?: Record<string, string>;
  readyTimeoutMs?: number;
  /** `bundle` runs what `npm start` runs (dist/server/main.mjs); the default runs the sources. */
  entry?: 'source' | 'bundle';
}): Promise<ChildServer> {
  const args = opts.entry === 'bundle' ? ['dist/server/main.mjs'] : ['--import', 'tsx', 'server/main.ts'];
  const proc = spawn(process.execPath, args, {
    cwd: root,
    env: {
      ...process.env,
      DEPUTY_DATA_DIR: opts.dataDir,
      HOST: '127.0.0.1',
      PORT: String(opts.port),
      LOG_LEVEL: 'warn',
      ...opts.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const keep = (chunk: Buffer) => {
    out = (out + chunk.toString('utf8')).slice(-20_000);
  };
  proc.stdout?.on('data', keep);
  proc.stderr?.on('data', keep);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    proc.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const url = `http://127.0.0.1:${opts.port}`;
  // Generous: the source entry compiles through tsx, which takes many seconds on a loaded 2-core machine.
  const deadline = Date.now() + (opts.readyTimeoutMs ?? 60_000);
  let gone = false;
  void exited.then(() => {
    gone = true;
  });
  while (Date.now() < deadline && !gone) {
    try {
      const res = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(1000) });
      if (res.status === 200) return { url, proc, output: () => out, exited };
    } catch {
      // Not listening yet.
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  proc.kill('SIGKILL');
  throw new Error(`server did not become ready:\n${out}`);
}

/**
 * `count` nodes running the bundle (what `npm start` runs) on free loopback ports, each with its own
 * data directory and `env` (a shared DATABASE_URL). `stop` ends those still running and removes the
 * directories.
 */
export async function spawnNodes(
  count: number,
  env: Record<string, string>,
): Promise<{ nodes: ChildServer[]; stop(): Promise<void> }> {
  const nodes: ChildServer[] = [];
  const dirs: string[] = [];
  const stop = async () => {
    for (const n of nodes) if (n.proc.exitCode === null && n.proc.signalCode === null) n.proc.kill('SIGTERM');
    await Promise.all(nodes.map((n) => n.exited));
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  };
  try {
    for (let i = 0; i < count; i++) {
      const dataDir = mkdtempSync(path.join(tmpdir(), 'deputy-node-'));
      dirs.push(dataDir);
      nodes.push(await spawnServer({ dataDir, port: await freePort(), entry: 'bundle', env }));
    }
  } catch (err) {
    await stop();
    throw err;
  }
  return { nodes, stop };
}

/** Open widget sockets on a node, from its metrics (0 once it is gone). */
export async function openSockets(node: ChildServer): Promise<number> {
  try {
    const text = await (await fetch(`${node.url}/metrics`, { signal: AbortSignal.timeout(2000) })).text();
    return Number(/^deputy_ws_connections (\d+)/m.exec(text)?.[1] ?? 0);
  } catch {
    return 0;
  }
}
