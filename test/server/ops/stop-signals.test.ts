import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { signIn } from '../../helpers/ws-client.js';
import { freePort } from './child-server.js';

const root = path.resolve(import.meta.dirname, '../../..');

interface Run {
  proc: ChildProcess;
  url: string;
  dataDir: string;
  out(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const runs: Run[] = [];
afterEach(() => {
  for (const r of runs.splice(0)) {
    if (r.proc.exitCode === null && r.proc.signalCode === null) r.proc.kill('SIGKILL');
    for (const pid of serverPids(r)) tryKill(pid);
    rmSync(r.dataDir, { recursive: true, force: true });
  }
});

function tryKill(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // Already gone.
  }
}

/** Starts `command` (npm start, or the bundle itself) on a fresh data directory and free port. */
async function launch(command: string[], dataDir?: string): Promise<Run> {
  const dir = dataDir ?? mkdtempSync(path.join(tmpdir(), 'deputy-stop-'));
  const port = await freePort();
  const [bin = 'npm', ...args] = command;
  const proc = spawn(bin, args, {
    cwd: root,
    env: { ...process.env, DEPUTY_DATA_DIR: dir, HOST: '127.0.0.1', PORT: String(port), LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let text = '';
  const keep = (chunk: Buffer) => {
    text += chunk.toString('utf8');
  };
  proc.stdout?.on('data', keep);
  proc.stderr?.on('data', keep);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    proc.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const run = { proc, url: `http://127.0.0.1:${port}`, dataDir: dir, out: () => text, exited };
  runs.push(run);
  return run;
}

/** Polls until `cond` holds (every 50 ms, at most `ms`). */
async function until(cond: () => boolean | Promise<boolean>, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await cond()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

async function ready(run: Run): Promise<void> {
  await until(
    async () => {
      if (run.proc.exitCode !== null) throw new Error(`exited early:\n${run.out()}`);
      try {
        return (await fetch(`${run.url}/readyz`, { signal: AbortSignal.timeout(1000) })).status === 200;
      } catch {
        return false;
      }
    },
    90_000,
    `/readyz of ${run.url}`,
  );
}

/** The server process ids its JSON log lines name (npm's own pid is never among them). */
function serverPids(run: Run): number[] {
  const pids = new Set<number>();
  for (const m of run.out().matchAll(/"pid":(\d+)/g)) pids.add(Number(m[1]));
  return [...pids];
}

/** Whether `pid` still runs: an exited process awaiting its reaper (a zombie) counts as ended. */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2).charAt(0);
    return state !== 'Z' && state !== 'X';
  } catch {
    return false;
  }
}

function portRefuses(url: string): Promise<boolean> {
  const { port } = new URL(url);
  return new Promise((resolve) => {
    const s = connect(Number(port), '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      resolve(false);
    });
    s.once('error', () => resolve(true));
  });
}

function integrity(dataDir: string): string {
  const db = new SQLite(path.join(dataDir, 'deputy.sqlite'), { readonly: true });
  try {
    return String(db.pragma('integrity_check', { simple: true }));
  } finally {
    db.close();
  }
}

describe('stopping the server', () => {
  it('npm start passes SIGTERM on: the server drains, closes sockets 1012, and nothing is left', async () => {
    const run = await launch(['npm', 'start']);
    await ready(run);
    const [pid] = serverPids(run);
    expect(pid).toBeDefined();
    expect(pid).not.toBe(run.proc.pid);
    const socket = await signIn(run, 'cus_bob');
    run.proc.kill('SIGTERM');
    expect((await socket.waitClose()).code).toBe(1012);
    expect(await run.exited).toEqual({ code: 0, signal: null });
    expect(run.out()).toContain('"msg":"drained; closing"');
    expect(run.out()).toContain('"signal":"SIGTERM"');
    await until(() => !alive(pid ?? 0), 15_000, 'the server process to end');
    expect(await portRefuses(run.url)).toBe(true);
  }, 120_000);

  it('npm start passes SIGINT on the same way', async () => {
    const run = await launch(['npm', 'start']);
    await ready(run);
    const [pid] = serverPids(run);
    run.proc.kill('SIGINT');
    expect(await run.exited).toEqual({ code: 0, signal: null });
    expect(run.out()).toContain('"signal":"SIGINT"');
    await until(() => !alive(pid ?? 0), 15_000, 'the server process to end');
  }, 120_000);

  it('a signal during start-up stops it before serving, with status 143, and the database is sound', async () => {
    // The database file appears during start-up (migrations); the signal follows at once. On a
    // machine fast enough to be ready first, the attempt is repeated (at most 5).
    let stopped: Run | undefined;
    for (let attempt = 0; attempt < 5 && !stopped; attempt++) {
      const run = await launch([process.execPath, 'dist/server/main.mjs']);
      await until(() => existsSync(path.join(run.dataDir, 'deputy.sqlite')), 30_000, 'the database file');
      run.proc.kill('SIGTERM');
      const exit = await run.exited;
      if (exit.code === 143) stopped = run;
      else expect(exit).toEqual({ code: 0, signal: null });
    }
    if (!stopped) throw new Error('never caught the server during start-up');
    expect(stopped.out()).toContain('SIGTERM during start-up');
    expect(stopped.out()).not.toContain('Deputy is ready');
    const again = await launch([process.execPath, 'dist/server/main.mjs'], stopped.dataDir);
    await ready(again);
    again.proc.kill('SIGTERM');
    expect(await again.exited).toEqual({ code: 0, signal: null });
    expect(integrity(stopped.dataDir)).toBe('ok');
  }, 120_000);

  it('a second signal cuts the drain short: status 143, sockets closed 1012, the database sound', async () => {
    const run = await launch([process.execPath, 'dist/server/main.mjs']);
    await ready(run);
    const socket = await signIn(run, 'cus_bob');
    // A turn held in flight by a confirm card nobody answers: the drain would wait 10 s for it.
    socket.send({ type: 'message', clientId: 'held_turn_01', text: 'change my phone to +44 20 7946 0123' });
    await socket.next('confirm_request');
    run.proc.kill('SIGTERM');
    await until(() => run.out().includes('"msg":"draining"'), 10_000, 'the drain to start');
    run.proc.kill('SIGTERM');
    expect((await socket.waitClose()).code).toBe(1012);
    expect(await run.exited).toEqual({ code: 143, signal: null });
    expect(run.out()).toContain('second signal');
    expect(integrity(run.dataDir)).toBe('ok');
    const db = new SQLite(path.join(run.dataDir, 'deputy.sqlite'), { readonly: true });
    const stored = db.prepare("SELECT count(*) AS n FROM messages WHERE client_id = 'held_turn_01'").get();
    db.close();
    expect(stored).toEqual({ n: 1 });
  }, 120_000);
});
