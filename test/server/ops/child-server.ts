import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
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
