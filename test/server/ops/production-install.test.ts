import { execFile, spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { decodeJwt } from 'jose';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from './child-server.js';

const exec = promisify(execFile);
const root = path.resolve(import.meta.dirname, '../../..');
const work = mkdtempSync(path.join(tmpdir(), 'deputy-prod-'));
const app = path.join(work, 'app');
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Polls `url` until it answers 200 (every 100 ms, at most `ms`). */
async function until200(url: string, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    try {
      if ((await fetch(url, { signal: AbortSignal.timeout(1000) })).status === 200) return;
    } catch {
      // Not listening yet.
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url} did not answer 200`);
}

// Slow (~30-60 s: npm ci of ~220 packages from the local cache), kept in the suite because it is
// the only test of the documented production install (docs/operations.md, "Production install").
describe('the production install (npm pack, then npm ci --omit=dev)', () => {
  it('runs the server and the CLI with no build tool present', async () => {
    // dist/ is built by the test setup; --ignore-scripts skips prepack's second build.
    await exec('npm', ['pack', '--ignore-scripts', '--pack-destination', work], { cwd: root });
    const tarball = readdirSync(work).find((f) => f.endsWith('.tgz'));
    if (!tarball) throw new Error('npm pack wrote no tarball');
    mkdirSync(app);
    await exec('tar', ['-xzf', path.join(work, tarball), '-C', app, '--strip-components=1']);
    expect(existsSync(path.join(app, 'server'))).toBe(false);
    copyFileSync(path.join(root, 'package-lock.json'), path.join(app, 'package-lock.json'));
    await exec(
      'npm',
      // --engine-strict: every runtime package must accept the Node that runs this test (20, 22, 24
      // are each in package.json's engines), or a user's install warns or, strict, fails.
      [
        'ci',
        '--omit=dev',
        '--engine-strict',
        '--ignore-scripts',
        '--prefer-offline',
        '--no-audit',
        '--no-fund',
      ],
      {
        cwd: app,
        timeout: 150_000,
      },
    );
    // better-sqlite3's install script would fetch a prebuilt binary (prebuild-install) or compile
    // one; this machine has no route to the prebuilt binaries, so the one built for the same
    // version and Node ABI in the checkout stands in for it.
    const binary = 'node_modules/better-sqlite3/build/Release/better_sqlite3.node';
    mkdirSync(path.dirname(path.join(app, binary)), { recursive: true });
    copyFileSync(path.join(root, binary), path.join(app, binary));
    for (const tool of ['vite', 'esbuild', 'tsx', 'typescript', 'vitest', '@botpress', 'rasa-webchat']) {
      expect(existsSync(path.join(app, 'node_modules', tool)), `${tool} installed`).toBe(false);
    }

    const dataDir = path.join(work, 'data');
    const port = await freePort();
    const env = { ...process.env, DEPUTY_DATA_DIR: dataDir, HOST: '127.0.0.1', PORT: String(port) };
    const server = spawn('npm', ['start'], { cwd: app, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    server.stdout?.on('data', (d) => {
      out += String(d);
    });
    server.stderr?.on('data', (d) => {
      out += String(d);
    });
    const exited = new Promise<number | null>((resolve) => server.once('exit', (code) => resolve(code)));
    try {
      const url = `http://127.0.0.1:${port}`;
      await until200(`${url}/readyz`, 30_000).catch((err) => {
        throw new Error(`${err}\n${out}`);
      });
      expect((await fetch(`${url}/widget.js`)).status).toBe(200);
      expect(await (await fetch(`${url}/?as=alice`)).text()).toContain('Alice Martin');
      // The operator console ships in the artifact too (package.json `files`).
      expect((await fetch(`${url}/console`)).status).toBe(200);
      // The CLI is bundled too: it runs without tsx and signs with the server's key.
      const { stdout } = await exec(
        'npm',
        ['run', '--silent', 'deputy', '--', 'token', 'mcp', '--sub', 'cus_alice', '--scope', 'crm.read'],
        { cwd: app, env },
      );
      const token = stdout.trim();
      expect(decodeJwt(token)).toMatchObject({ iss: url, sub: 'cus_alice' });
      const mcp = await fetch(`${url}/mcp`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${token}`,
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
        },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
      });
      expect(mcp.status).toBe(200);
      expect(await mcp.text()).toContain('get_customer_info');
    } finally {
      server.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
  }, 240_000);
});
