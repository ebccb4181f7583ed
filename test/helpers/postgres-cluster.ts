import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

/**
 * A throwaway PostgreSQL cluster started from the machine's own binaries (Debian's `postgresql`
 * package): initdb + pg_ctl into a temporary directory, fsync off, on a free loopback port, with
 * password authentication over TCP so a wrong password can be tested. Started once per test run by
 * test/global-setup.ts; test files get its admin URL through `inject('postgres')` and create their
 * own databases with `test/helpers/postgres.ts`.
 */
export interface PostgresCluster {
  /** postgres://postgres:<password>@127.0.0.1:<port>/postgres */
  adminUrl: string;
  port: number;
  password: string;
  /** The binaries' directory (pg_dump, psql, … of the same version). */
  binDir: string;
  /**
   * `pg_ctl stop -m fast`, then `start` on the same port once `whileDown` (if given) resolves:
   * sessions are ended and the server is down meanwhile. Asynchronous, so the calling process keeps
   * serving.
   */
  restart(whileDown?: () => Promise<void>): Promise<void>;
  stop(): void;
}

/** The newest installed PostgreSQL's bin directory, or undefined where PostgreSQL is absent. */
export function findPostgresBinDir(): string | undefined {
  const fromEnv = process.env.DEPUTY_PG_BIN;
  if (fromEnv && existsSync(path.join(fromEnv, 'pg_ctl'))) return fromEnv;
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const versions = readdirSync(root)
    .filter((v) => existsSync(path.join(root, v, 'bin', 'pg_ctl')))
    .sort((a, b) => Number(b) - Number(a));
  return versions[0] ? path.join(root, versions[0], 'bin') : undefined;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** initdb refuses to run as root: as root, the cluster runs as the `postgres` system user. */
function asClusterUser(binDir: string, cmd: string, args: string[]): void {
  const isRoot = process.getuid?.() === 0;
  const [file, argv] = isRoot
    ? ['runuser', ['-u', 'postgres', '--', path.join(binDir, cmd), ...args]]
    : [path.join(binDir, cmd), args];
  const result = spawnSync(file, argv, { encoding: 'utf8', timeout: 60_000 });
  if (result.status !== 0) {
    throw new Error(`${cmd} failed (${result.status}): ${result.stderr || result.stdout}`);
  }
}

/**
 * `settings` are extra server settings (`-c name=value`), e.g. the bench's statement profile
 * (`shared_preload_libraries=pg_stat_statements`).
 */
export async function startPostgresCluster(
  binDir: string,
  settings: Record<string, string> = {},
): Promise<PostgresCluster> {
  const dir = mkdtempSync(path.join(tmpdir(), 'deputy-pg-'));
  const dataDir = path.join(dir, 'data');
  const password = `pw${Math.random().toString(36).slice(2)}`;
  const pwFile = path.join(dir, 'pw');
  writeFileSync(pwFile, password);
  chmodSync(dir, 0o777);
  chmodSync(pwFile, 0o644);
  if (process.getuid?.() === 0) execFileSync('chown', ['-R', 'postgres', dir]);
  asClusterUser(binDir, 'initdb', [
    '-D',
    dataDir,
    '-U',
    'postgres',
    '--pwfile',
    pwFile,
    '--auth-local=trust',
    '--auth-host=scram-sha-256',
    '-E',
    'UTF8',
    '--locale=C',
    '--no-sync',
  ]);
  rmSync(pwFile);
  const port = await freePort();
  const options = [
    `-p ${port}`,
    "-c listen_addresses='127.0.0.1'",
    `-c unix_socket_directories='${dir}'`,
    '-c fsync=off',
    '-c synchronous_commit=off',
    '-c full_page_writes=off',
    '-c max_connections=300',
    ...Object.entries(settings).map(([name, value]) => `-c ${name}=${value}`),
  ].join(' ');
  asClusterUser(binDir, 'pg_ctl', ['-D', dataDir, '-o', options, '-l', path.join(dir, 'log'), '-w', 'start']);
  let stopped = false;
  const run = promisify(execFile);
  return {
    async restart(whileDown) {
      const isRoot = process.getuid?.() === 0;
      const pgCtl = path.join(binDir, 'pg_ctl');
      const ctl = (args: string[]) =>
        isRoot ? run('runuser', ['-u', 'postgres', '--', pgCtl, ...args]) : run(pgCtl, args);
      await ctl(['-D', dataDir, '-m', 'fast', '-w', 'stop']);
      try {
        await whileDown?.();
      } finally {
        await ctl(['-D', dataDir, '-o', options, '-l', path.join(dir, 'log'), '-w', 'start']);
      }
    },
    adminUrl: `postgres://postgres:${password}@127.0.0.1:${port}/postgres`,
    port,
    password,
    binDir,
    stop() {
      if (stopped) return;
      stopped = true;
      try {
        asClusterUser(binDir, 'pg_ctl', ['-D', dataDir, '-m', 'immediate', '-w', 'stop']);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}
