import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { runDeputy } from '../../helpers/cli.js';
import { removeDataDir, startServer, type TestServer } from '../../helpers/server.js';
import { ask, signIn } from '../../helpers/ws-client.js';

const scratch = mkdtempSync(path.join(tmpdir(), 'deputy-backup-'));
const servers: TestServer[] = [];
afterAll(async () => {
  for (const s of servers) {
    await s.close().catch(() => {});
    removeDataDir(s.dataDir);
  }
  rmSync(scratch, { recursive: true, force: true });
});

function envOf(server: { dataDir: string; port: number }): NodeJS.ProcessEnv {
  return { ...process.env, DEPUTY_DATA_DIR: server.dataDir, HOST: '127.0.0.1', PORT: String(server.port) };
}

function count(file: string, sql: string): number {
  const db = new SQLite(file, { readonly: true });
  try {
    return (db.prepare(sql).get() as { n: number }).n;
  } finally {
    db.close();
  }
}

const MESSAGES = 'SELECT count(*) AS n FROM messages';

describe('backup and restore', () => {
  it('backs up while serving, refuses to restore under a running server, restores a stopped one', async () => {
    const server = await startServer();
    servers.push(server);
    const env = envOf(server);
    const socket = await signIn(server, 'cus_alice');
    await ask(socket, "What's the status of ticket T-1001?");

    // Visitors keep writing while the backup runs.
    const file = path.join(scratch, 'deputy-backup.sqlite');
    const [result] = await Promise.all([
      runDeputy(env, 'backup', file),
      ask(socket, 'and my other tickets?'),
    ]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout.trim()).toBe(file);
    expect(result.stderr).toMatch(/backed up \d+ pages/);
    expect(existsSync(`${file}.partial`)).toBe(false);
    const backedUp = count(file, MESSAGES);
    expect(backedUp).toBeGreaterThanOrEqual(2);

    // Never overwrites.
    const size = statSync(file).size;
    const again = await runDeputy(env, 'backup', file);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('never overwrites');
    expect(statSync(file).size).toBe(size);

    // After the backup the conversation goes on; a restore under the running server is refused.
    await ask(socket, 'thanks, that is all');
    socket.close();
    const live = path.join(server.dataDir, 'deputy.sqlite');
    const refused = await runDeputy(env, 'restore', file);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('[server_running]');
    expect(readdirSync(server.dataDir).some((f) => f.includes('pre-restore'))).toBe(false);

    await server.close();
    const before = count(live, MESSAGES);
    expect(before).toBeGreaterThan(backedUp);
    const restored = await runDeputy(env, 'restore', file);
    expect(restored.code, restored.stderr).toBe(0);
    const aside = readdirSync(server.dataDir).find(
      (f) => f.startsWith('deputy.sqlite.pre-restore-') && !/-(wal|shm)$/.test(f),
    );
    expect(aside, readdirSync(server.dataDir).join(' ')).toBeDefined();
    expect(count(path.join(server.dataDir, aside ?? ''), MESSAGES)).toBe(before);
    expect(count(live, MESSAGES)).toBe(backedUp);

    // The restored database serves again, with the same keys.
    const back = await startServer({ dataDir: server.dataDir, port: server.port });
    servers.push({ ...back, dataDir: scratch });
    expect((await fetch(`${back.url}/readyz`)).status).toBe(200);
    const s2 = await signIn(back, 'cus_alice');
    expect((await ask(s2, "What's the status of ticket T-1001?")).text).toContain('open');
    s2.close();
    await back.close();
  }, 60_000);

  it('refuses to restore a backup from a newer version, or one that is not a database', async () => {
    const server = await startServer();
    servers.push(server);
    await server.close();
    const env = envOf(server);
    const newer = path.join(scratch, 'newer.sqlite');
    expect((await runDeputy(env, 'backup', newer)).code).toBe(0);
    const db = new SQLite(newer);
    db.prepare("INSERT INTO kysely_migration (name, timestamp) VALUES ('9999-future', '2030-01-01')").run();
    db.close();
    const r = await runDeputy(env, 'restore', newer);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('[data_dir_newer]');
    const junk = path.join(scratch, 'junk.sqlite');
    await import('node:fs').then((fs) => fs.writeFileSync(junk, 'not a database at all'.repeat(100)));
    const j = await runDeputy(env, 'restore', junk);
    expect(j.code).toBe(1);
    expect(j.stderr, JSON.stringify(j)).toContain('[backup_failed]');
    expect(
      readdirSync(server.dataDir).some((f) => f.includes('pre-restore') || f.endsWith('.restoring')),
    ).toBe(false);
  });
});
