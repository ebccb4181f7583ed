/**
 * HAProxy in front of Deputy nodes on loopback, configured as docs/scaling.md recommends: no
 * stickiness, `/readyz` health checks, WebSocket tunnels kept open (`timeout tunnel`), and a failed
 * connect retried on another node (`option redispatch`).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

export const HAPROXY = '/usr/sbin/haproxy';

/** Why HAProxy cannot run here, or null. */
export function haproxyMissing(): string | null {
  return existsSync(HAPROXY)
    ? null
    : `HAProxy is not installed at ${HAPROXY} (Debian: apt-get install haproxy)`;
}

/** The configuration docs/scaling.md shows, for these backends. */
export function haproxyConfig(port: number, backends: readonly number[]): string {
  return [
    'global',
    '  maxconn 2000',
    'defaults',
    '  mode http',
    '  option redispatch',
    '  retries 3',
    '  timeout connect 2s',
    '  timeout client 30s',
    '  timeout server 30s',
    '  timeout tunnel 1h',
    '  timeout client-fin 5s',
    'frontend chat',
    `  bind 127.0.0.1:${port}`,
    '  default_backend deputy',
    'backend deputy',
    '  balance roundrobin',
    '  option httpchk GET /readyz',
    '  http-check expect status 200',
    '  default-server inter 500ms fall 2 rise 2',
    ...backends.map((p, i) => `  server node${i + 1} 127.0.0.1:${p} check`),
    '',
  ].join('\n');
}

export interface Haproxy {
  url: string;
  proc: ChildProcess;
  output(): string;
  stop(): Promise<void>;
}

/** Starts HAProxy in the foreground with a config in a temp directory; waits until it answers. */
export async function startHaproxy(port: number, backends: readonly number[]): Promise<Haproxy> {
  const dir = mkdtempSync(path.join(tmpdir(), 'deputy-haproxy-'));
  const cfg = path.join(dir, 'haproxy.cfg');
  writeFileSync(cfg, haproxyConfig(port, backends));
  const proc = spawn(HAPROXY, ['-db', '-f', cfg], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const keep = (c: Buffer) => {
    out = (out + c.toString('utf8')).slice(-10_000);
  };
  proc.stdout?.on('data', keep);
  proc.stderr?.on('data', keep);
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 20_000;
  for (;;) {
    try {
      const res = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(1000) });
      if (res.status === 200) break;
    } catch {
      // Not up yet.
    }
    if (Date.now() > deadline || proc.exitCode !== null) {
      proc.kill('SIGKILL');
      throw new Error(`haproxy did not come up:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    proc,
    output: () => out,
    async stop() {
      if (proc.exitCode === null) {
        const gone = new Promise((r) => proc.once('exit', r));
        proc.kill('SIGTERM');
        await gone;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
