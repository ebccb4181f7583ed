import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeDataDir, startServer, type TestServer } from '../helpers/server.js';
import { TestSocket } from '../helpers/ws-client.js';

// Every code example in docs/ that signs a token is marked `<!-- doctest: visitor-token LANG -->`
// and run here against a real server whose site "shop" verifies with a configured secretEnv: the
// docs once base64url-decoded that secret while the server uses its UTF-8 bytes (issue #11).
const exec = promisify(execFile);
const root = path.resolve(import.meta.dirname, '../..');
const MARKER = /<!-- doctest: visitor-token (\w+) -->\s*\n```(\w+)\n([\s\S]*?)\n```/g;
const SIGNS = /SignJWT|jwt\.encode|\.sign\(|createHmac/;
// Not base64, with a non-ASCII character: a decoding mistake cannot go unnoticed.
const SECRET = 'shop visitor secret: naïve café 0123456789 abcdef';

interface Example {
  file: string;
  lang: string;
  code: string;
}

function examples(): Example[] {
  const found: Example[] = [];
  for (const name of readdirSync(path.join(root, 'docs')).filter((f) => f.endsWith('.md'))) {
    const text = readFileSync(path.join(root, 'docs', name), 'utf8');
    for (const m of text.matchAll(MARKER)) found.push({ file: name, lang: m[1] ?? '', code: m[3] ?? '' });
  }
  return found;
}

/** A Python with PyJWT: Debian's (apt python3-jwt, installed by .ci/run) or the one on PATH. */
async function pythonWithJwt(): Promise<string> {
  for (const candidate of ['/usr/bin/python3', 'python3']) {
    try {
      await exec(candidate, ['-c', 'import jwt']);
      return candidate;
    } catch {
      // Not this one.
    }
  }
  throw new Error('no python3 with PyJWT: apt-get install python3-jwt (or pip install PyJWT)');
}

/** Runs an example with a line that prints a token for cus_alice, and returns that token. */
async function mint(example: Example, env: NodeJS.ProcessEnv): Promise<string> {
  if (example.lang === 'js') {
    const script = `${example.code}\nconsole.log(await deputyToken({ id: 'cus_alice', name: 'Alice Martin', email: 'alice@example.com' }));\n`;
    const { stdout } = await exec(process.execPath, ['--input-type=module', '-e', script], {
      cwd: root,
      env,
    });
    return stdout.trim();
  }
  if (example.lang === 'python') {
    const script = `${example.code}\nclass C:\n    id = "cus_alice"\n    name = "Alice Martin"\n    email = "alice@example.com"\nprint(deputy_token(C()))\n`;
    const { stdout } = await exec(await pythonWithJwt(), ['-c', script], { env });
    return stdout.trim();
  }
  throw new Error(`no runner for ${example.lang} examples (${example.file})`);
}

let server: TestServer;
let work: string;

beforeAll(async () => {
  work = mkdtempSync(path.join(tmpdir(), 'deputy-doctest-'));
  const config = path.join(work, 'deputy.config.json');
  writeFileSync(
    config,
    JSON.stringify({
      sites: {
        shop: {
          origins: ['self'],
          keys: [{ type: 'hs256', secretEnv: 'SHOP_SECRET' }],
          defaultScopes: ['crm.read'],
          anonymousScopes: [],
        },
      },
    }),
  );
  server = await startServer({ env: { DEPUTY_CONFIG: config, SHOP_SECRET: SECRET, DEPUTY_DEMO: '0' } });
});
afterAll(async () => {
  await server?.close();
  if (server) removeDataDir(server.dataDir);
  rmSync(work, { recursive: true, force: true });
});

describe('token examples in docs/', () => {
  it('marks every fenced example that signs a token, so none escapes this test', () => {
    for (const name of readdirSync(path.join(root, 'docs')).filter((f) => f.endsWith('.md'))) {
      const text = readFileSync(path.join(root, 'docs', name), 'utf8');
      for (const m of text.matchAll(/(<!-- doctest: [^>]*-->\s*\n)?```\w*\n([\s\S]*?)\n```/g)) {
        if (SIGNS.test(m[2] ?? '')) expect(m[1], `unmarked signing example in docs/${name}`).toBeDefined();
      }
    }
    expect(examples().map((e) => `${e.file}:${e.lang}`)).toEqual(['embedding.md:js', 'embedding.md:python']);
  });

  for (const example of examples()) {
    it(`docs/${example.file} (${example.lang}): the server accepts the token it signs`, async () => {
      const token = await mint(example, { ...process.env, DEPUTY_SITE_SECRET: SECRET });
      const socket = await TestSocket.open(server.url, { site: 'shop' });
      socket.send({ type: 'hello', v: 1, site: 'shop', token });
      const welcome = await socket.next('welcome').catch(() => {
        throw new Error(`refused: ${JSON.stringify(socket.frames)}`);
      });
      expect(welcome).toMatchObject({ visitor: { anonymous: false } });
      socket.close();
    });
  }
});
