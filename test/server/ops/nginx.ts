/**
 * nginx in front of Deputy nodes on loopback, with the configurations the docs show (docs/scaling.md
 * "nginx", docs/operations.md "Under a path prefix"): the blocks are read from the docs themselves,
 * so what they tell operators to use is what runs here. Only the listen address (loopback, no TLS)
 * and the nodes' addresses are replaced; the rest of the file (paths, one worker, an access log that
 * names the upstream of each try) is the test's.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

export const NGINX = '/usr/sbin/nginx';

const root = path.resolve(import.meta.dirname, '../../..');

/** Why nginx cannot run here, or null. */
export function nginxMissing(): string | null {
  return existsSync(NGINX) ? null : `nginx is not installed at ${NGINX} (Debian: apt-get install nginx)`;
}

/** The first fenced block under the heading `## <heading>` of `docs/<doc>`. */
export function documentedBlock(doc: string, heading: string): string {
  const text = readFileSync(path.join(root, 'docs', doc), 'utf8');
  const at = text.indexOf(`\n## ${heading}\n`);
  const block = at < 0 ? undefined : /```\n([\s\S]*?)\n```/.exec(text.slice(at))?.[1];
  if (!block) throw new Error(`docs/${doc} has no fenced config block under "## ${heading}"`);
  return block;
}

/**
 * The block of docs/scaling.md ("## nginx") for these nodes, listening on 127.0.0.1:`port`. Throws
 * when the block no longer has what is replaced, so a rewrite of the doc cannot leave this test
 * running something else.
 */
export function nginxServerConfig(port: number, nodes: readonly number[]): string {
  const block = documentedBlock('scaling.md', 'nginx');
  const upstreams = block.match(/^\s*server \d+\.\d+\.\d+\.\d+:\d+\b/gm) ?? [];
  if (upstreams.length !== nodes.length || !/^\s*listen 443 ssl;$/m.test(block)) {
    throw new Error(`the nginx block in docs/scaling.md changed shape:\n${block}`);
  }
  let i = 0;
  return block
    .replace(/^(\s*)listen 443 ssl;$/m, `$1listen 127.0.0.1:${port};`)
    .replace(
      /^(\s*server )\d+\.\d+\.\d+\.\d+:\d+\b/gm,
      (_m, lead: string) => `${lead}127.0.0.1:${nodes[i++]}`,
    );
}

/**
 * docs/operations.md's locations for a prefix (`## Under a path prefix`) in a server on
 * 127.0.0.1:`port`, with scaling.md's `map` and one node.
 */
export function prefixConfig(port: number, node: number): string {
  const map = /^map .*$/m.exec(documentedBlock('scaling.md', 'nginx'))?.[0];
  if (!map) throw new Error('docs/scaling.md: the nginx block has no map line');
  const locations = documentedBlock('operations.md', 'Under a path prefix');
  if (!locations.includes('location /deputy/')) throw new Error(`unexpected block:\n${locations}`);
  return [
    map,
    `upstream deputy { server 127.0.0.1:${node}; }`,
    'server {',
    `  listen 127.0.0.1:${port};`,
    locations.replace(/^/gm, '  '),
    '}',
  ].join('\n');
}

export interface AccessLine {
  uri: string;
  status: number;
  /** Each node tried, in order (`127.0.0.1:port, 127.0.0.1:port`). */
  upstreams: string[];
  /** Each try's status, in order (`503, 101`). */
  upstreamStatuses: string[];
}

export interface Nginx {
  url: string;
  proc: ChildProcess;
  /** The access log so far, one entry per finished request (a WebSocket's when its tunnel closed). */
  accessLog(): AccessLine[];
  output(): string;
  stop(): Promise<void>;
}

/**
 * Starts nginx in the foreground, in a temp directory, with `http` (the inside of the http block)
 * listening on 127.0.0.1:`port`; waits until `probe` answers 200 through it.
 */
export async function startNginx(port: number, http: string, probe = '/readyz'): Promise<Nginx> {
  const dir = mkdtempSync(path.join(tmpdir(), 'deputy-nginx-'));
  const log = path.join(dir, 'access.log');
  const conf = path.join(dir, 'nginx.conf');
  writeFileSync(
    conf,
    [
      'daemon off;',
      'worker_processes 1;',
      // Workers run as `nobody` when the master is root, and could not write the temp paths here.
      ...(process.getuid?.() === 0 ? ['user root;'] : []),
      `pid ${dir}/nginx.pid;`,
      `error_log ${dir}/error.log warn;`,
      'events { worker_connections 512; }',
      'http {',
      `  client_body_temp_path ${dir}/body;`,
      `  proxy_temp_path ${dir}/proxy;`,
      `  fastcgi_temp_path ${dir}/fastcgi;`,
      `  uwsgi_temp_path ${dir}/uwsgi;`,
      `  scgi_temp_path ${dir}/scgi;`,
      // Tab-separated: the URI, the answer, and every upstream tried with its answer.
      `  log_format tries '$request_uri\\t$status\\t$upstream_addr\\t$upstream_status';`,
      `  access_log ${log} tries;`,
      http,
      '}',
      '',
    ].join('\n'),
  );
  // -e: the error log before the config is read (the default is under /var/log, not ours).
  const proc = spawn(NGINX, ['-p', dir, '-c', conf, '-e', path.join(dir, 'startup.log')], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const keep = (c: Buffer) => {
    out = (out + c.toString('utf8')).slice(-10_000);
  };
  proc.stdout?.on('data', keep);
  proc.stderr?.on('data', keep);
  const logs = () =>
    ['startup.log', 'error.log']
      .map((f) => path.join(dir, f))
      .filter(existsSync)
      .map((f) => readFileSync(f, 'utf8'))
      .join('');
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 20_000;
  let last = 'no answer';
  for (;;) {
    try {
      const res = await fetch(`${url}${probe}`, { signal: AbortSignal.timeout(1000) });
      if (res.status === 200) break;
      last = `${res.status} ${(await res.text()).slice(0, 200)}`;
    } catch (err) {
      last = String(err); // Not up yet.
    }
    if (Date.now() > deadline || proc.exitCode !== null) {
      proc.kill('SIGKILL');
      throw new Error(`nginx did not come up (${probe}: ${last}):\n${out}${logs()}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    proc,
    accessLog: () =>
      (existsSync(log) ? readFileSync(log, 'utf8') : '')
        .split('\n')
        .filter(Boolean)
        .map((line) => {
          const [uri = '', status = '0', upstreams = '', statuses = ''] = line.split('\t');
          // Tries are joined by ", " (and groups by " : "); an address's own colon has no space after it.
          const list = (s: string) => s.split(/\s*[,:]\s+/).filter((x) => x && x !== '-');
          return {
            uri,
            status: Number(status),
            upstreams: list(upstreams),
            upstreamStatuses: list(statuses),
          };
        }),
    output: () => out + logs(),
    async stop() {
      if (proc.exitCode === null && proc.signalCode === null) {
        const gone = new Promise((r) => proc.once('exit', r));
        proc.kill('SIGQUIT');
        await Promise.race([gone, new Promise((r) => setTimeout(r, 5000))]);
        if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
