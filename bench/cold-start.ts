// Cold start: from spawning `npm start` (widget already built) to the first 200 from /readyz,
// against a bare Fastify app started by tsx in the same run.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { isMain, runAlone } from './lib/main.js';
import { BENCH_DIR, type BenchResult, figure, newResult, ROOT } from './lib/results.js';

function freePort(): Promise<number> {
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

/** Milliseconds from spawn to the first 200 on /readyz (polled every 5 ms, at most 20 s). */
async function timeToReady(cmd: string, args: string[], env: Record<string, string>): Promise<number> {
  const port = await freePort();
  const start = performance.now();
  // Own process group, so the whole tree (npm → sh → node) is stopped by its id afterwards.
  const child = spawn(cmd, args, {
    cwd: ROOT,
    env: { ...process.env, ...env, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'ignore', 'inherit'],
    detached: true,
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    while (performance.now() - start < 20_000) {
      if (child.exitCode !== null) throw new Error(`${cmd} ${args.join(' ')} exited with ${child.exitCode}`);
      const ok = await fetch(`http://127.0.0.1:${port}/readyz`, { signal: AbortSignal.timeout(1000) }).then(
        (r) => r.status === 200,
        () => false,
      );
      if (ok) return performance.now() - start;
      await new Promise((r) => setTimeout(r, 5));
    }
    throw new Error(`${cmd} ${args.join(' ')} was not ready within 20 s`);
  } finally {
    if (child.pid !== undefined && child.exitCode === null) {
      process.kill(-child.pid, 'SIGTERM');
      const force = setTimeout(() => child.pid !== undefined && process.kill(-child.pid, 'SIGKILL'), 10_000);
      await exited;
      clearTimeout(force);
    }
  }
}

/** The cold-start benchmark. */
export async function benchColdStart(quick = false): Promise<BenchResult> {
  const started = performance.now();
  const runs = quick ? 1 : 5;
  const dataDir = mkdtempSync(path.join(tmpdir(), 'deputy-bench-cold-'));
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const bare: number[] = [];
  const first: number[] = [];
  const again: number[] = [];
  try {
    for (let i = 0; i < runs; i++) {
      bare.push(
        await timeToReady(
          process.execPath,
          ['--import', 'tsx', path.join(BENCH_DIR, 'servers', 'fastify-bare.ts')],
          {},
        ),
      );
      const fresh = mkdtempSync(path.join(tmpdir(), 'deputy-bench-fresh-'));
      try {
        first.push(await timeToReady(npm, ['start', '--silent'], { DEPUTY_DATA_DIR: fresh }));
      } finally {
        rmSync(fresh, { recursive: true, force: true });
      }
      again.push(await timeToReady(npm, ['start', '--silent'], { DEPUTY_DATA_DIR: dataDir }));
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
  const base = { what: 'bare Fastify under tsx', unit: 'ms', runs: bare };
  const budget = { text: '≤ 1,500 ms', op: '<=' as const, limit: 1500 };
  return {
    ...newResult('cold-start', 'Cold start', started),
    figures: [
      figure({
        id: 'cold.existing',
        what: '`npm start` to /readyz, existing data dir',
        unit: 'ms',
        runs: again,
        budget,
        baseline: base,
      }),
      figure({
        id: 'cold.fresh',
        what: '`npm start` to /readyz, first start (new data dir: keys, migrations, seed)',
        unit: 'ms',
        runs: first,
        budget,
        baseline: base,
      }),
    ],
    method: [
      'Wall time from spawning `npm start` (widget already built, so scripts/start.mjs only checks it) to the first 200 from',
      `/readyz, polled every 5 ms; ${runs} runs each, alternating with the baseline (a bare Fastify app answering /readyz,`,
      'started with `node --import tsx`). npm itself takes part of the figure, as it does for a user.',
    ],
  };
}

if (isMain(import.meta.url)) await runAlone(benchColdStart);
