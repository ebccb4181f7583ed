import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrations } from '../../../server/store/migrations/index.js';
import { runDeputy } from '../../helpers/cli.js';
import { removeDataDir, startServer, type TestServer } from '../../helpers/server.js';

let server: TestServer;
let env: NodeJS.ProcessEnv;
const scratch = mkdtempSync(path.join(tmpdir(), 'deputy-cli-'));

beforeAll(async () => {
  server = await startServer({ port: 0 });
  env = { ...process.env, DEPUTY_DATA_DIR: server.dataDir, HOST: '127.0.0.1', PORT: String(server.port) };
});
afterAll(async () => {
  await server.close();
  removeDataDir(server.dataDir);
  rmSync(scratch, { recursive: true, force: true });
});

describe('the CLI reads the server settings', () => {
  it('says on stderr which config, data directory and server URL it used; stdout is the token', async () => {
    const r = await runDeputy(env, 'token', 'mcp', '--sub', 'cus_alice', '--scope', 'crm.read');
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(`data: ${server.dataDir}`);
    expect(r.stderr).toContain(`server: ${server.url}`);
    expect(r.stderr).toContain(`config: ${path.resolve('deputy.config.json')}`);
    expect(r.stdout.trim().split('\n')).toHaveLength(1);
    expect(decodeJwt(r.stdout.trim()).iss).toBe(server.url);
  });

  it('takes the issuer from DEPUTY_PUBLIC_URL like the server does', async () => {
    const r = await runDeputy(
      { ...env, DEPUTY_PUBLIC_URL: 'https://chat.example.com/' },
      'token',
      'mcp',
      '--sub',
      'cus_alice',
      '--scope',
      'crm.read',
    );
    expect(decodeJwt(r.stdout.trim())).toMatchObject({
      iss: 'https://chat.example.com',
      aud: 'https://chat.example.com/mcp',
    });
  });

  it('fails with data_dir_missing for a data directory that does not exist, creating nothing', async () => {
    const missing = path.join(scratch, 'nowhere');
    for (const args of [
      ['token', 'mcp', '--sub', 'cus_alice', '--scope', 'crm.read'],
      ['token', 'visitor', '--site', 'demo', '--sub', 'cus_bob'],
      ['audit'],
      ['seed'],
      ['backup', path.join(scratch, 'b.sqlite')],
    ]) {
      const r = await runDeputy({ ...env, DEPUTY_DATA_DIR: missing }, ...args);
      expect(r.code, args.join(' ')).toBe(1);
      expect(r.stderr).toContain('[data_dir_missing]');
      expect(r.stdout).toBe('');
      expect(existsSync(missing)).toBe(false);
    }
    expect(readdirSync(scratch)).toEqual([]);
  });

  it('refuses a data directory with a database but no signing key, never minting a new key', async () => {
    const copy = await startServer();
    await copy.close();
    rmSync(path.join(copy.dataDir, 'keys', 'mcp-signing.jwk.json'));
    const r = await runDeputy(
      { ...env, DEPUTY_DATA_DIR: copy.dataDir },
      'token',
      'mcp',
      '--sub',
      'x',
      '--scope',
      'crm.read',
    );
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('no signing key');
    expect(existsSync(path.join(copy.dataDir, 'keys', 'mcp-signing.jwk.json'))).toBe(false);
    removeDataDir(copy.dataDir);
  });

  it('refuses a database written by a newer version (data_dir_newer) without changing it', async () => {
    const copy = await startServer();
    await copy.close();
    const file = path.join(copy.dataDir, 'deputy.sqlite');
    const db = new SQLite(file);
    db.prepare("INSERT INTO kysely_migration (name, timestamp) VALUES ('9999-future', '2030-01-01')").run();
    db.close();
    const r = await runDeputy({ ...env, DEPUTY_DATA_DIR: copy.dataDir }, 'audit');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('[data_dir_newer]');
    expect(r.stderr).toContain('9999-future');
    const after = new SQLite(file, { readonly: true });
    expect(after.prepare('SELECT count(*) AS n FROM kysely_migration').get()).toEqual({
      n: Object.keys(migrations).length + 1,
    });
    after.close();
    removeDataDir(copy.dataDir);
  });

  it('refuses a config file that does not exist, naming it, and creates nothing', async () => {
    const missingConfig = path.join(scratch, 'deputy.config.json');
    const r = await runDeputy(
      { ...env, DEPUTY_CONFIG: missingConfig },
      'token',
      'visitor',
      '--site',
      'demo',
      '--sub',
      'cus_bob',
    );
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('[config_file_unreadable]');
    expect(r.stderr).toContain(missingConfig);
    expect(existsSync(missingConfig)).toBe(false);
    writeFileSync(path.join(scratch, 'marker'), '');
    expect(readdirSync(scratch)).toEqual(['marker']);
    rmSync(path.join(scratch, 'marker'));
  });
});
