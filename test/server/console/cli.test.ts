import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CliIo } from '../../../server/cli.js';
import { runCli } from '../../../server/cli.js';
import { verifyPassword } from '../../../server/console/passwords.js';
import { openStore } from '../../../server/store/db.js';
import { removeDataDir } from '../../helpers/server.js';

const dataDir = mkdtempSync(path.join(tmpdir(), 'deputy-operator-cli-'));
const env = { ...process.env, DEPUTY_DATA_DIR: dataDir, LOG_LEVEL: 'warn' };
// The CLI works on the server's data directory and never creates one: make it as a first start does.
beforeAll(async () => (await openStore(dataDir)).close());
afterAll(() => removeDataDir(dataDir));

async function deputy(args: string[], stdin = '') {
  let stdout = '';
  let stderr = '';
  const io: CliIo & { stdin: NodeJS.ReadableStream } = {
    env,
    out: (l) => {
      stdout += `${l}\n`;
    },
    err: (l) => {
      stderr += `${l}\n`;
    },
    stdin: Readable.from([stdin]),
  };
  return { code: await runCli(args, io), stdout, stderr };
}

async function hashOf(email: string) {
  const store = await openStore(dataDir);
  try {
    return (
      (await store.db.selectFrom('operators').selectAll().where('email', '=', email).executeTakeFirst()) ??
      null
    );
  } finally {
    await store.close();
  }
}

describe('npm run deputy -- operator', () => {
  it('adds an operator with the password from stdin, hashed with scrypt and a salt of its own', async () => {
    const a = await deputy(
      ['operator', 'add', '--site', 'demo', '--email', 'Ann@Northwind.example', '--name', 'Ann'],
      'ann-password-123\n',
    );
    expect(a).toMatchObject({ code: 0 });
    expect(a.stdout).toContain('added operator ann@northwind.example (agent) on site demo');
    const b = await deputy(
      [
        'operator',
        'add',
        '--site',
        'demo',
        '--email',
        'ben@northwind.example',
        '--name',
        'Ben',
        '--role',
        'admin',
      ],
      'ann-password-123\n',
    );
    expect(b.code).toBe(0);
    const [ann, ben] = [await hashOf('ann@northwind.example'), await hashOf('ben@northwind.example')];
    expect(ann?.password_hash).toMatch(/^scrypt\$32768\$8\$1\$/);
    expect(ann?.password_hash).not.toBe(ben?.password_hash);
    expect(ann?.password_hash).not.toContain('ann-password-123');
    expect(await verifyPassword('ann-password-123', ann?.password_hash ?? '')).toBe(true);
    expect(await verifyPassword('ann-password-124', ann?.password_hash ?? '')).toBe(false);
  });

  it('lists operators without their passwords', async () => {
    const { code, stdout } = await deputy(['operator', 'list', '--site', 'demo']);
    expect(code).toBe(0);
    expect(stdout).toContain('demo  ann@northwind.example  Ann  agent');
    expect(stdout).toContain('demo  ben@northwind.example  Ben  admin');
    expect(stdout).not.toMatch(/scrypt|password/);
  });

  it('refuses usage mistakes with exit code 2 and stores nothing', async () => {
    const cases: [string[], string][] = [
      [['operator', 'add', '--site', 'demo', '--email', 'x@northwind.example', '--name', 'X'], 'short\n'],
      [
        ['operator', 'add', '--site', 'nope', '--email', 'x@northwind.example', '--name', 'X'],
        'long-enough-pw\n',
      ],
      [['operator', 'add', '--site', 'demo', '--email', 'not-an-email', '--name', 'X'], 'long-enough-pw\n'],
      [['operator', 'add', '--site', 'demo', '--email', 'x@northwind.example'], 'long-enough-pw\n'],
      [
        [
          'operator',
          'add',
          '--site',
          'demo',
          '--email',
          'x@northwind.example',
          '--name',
          'X',
          '--role',
          'root',
        ],
        'long-enough-pw\n',
      ],
      [['operator', 'fly'], ''],
    ];
    for (const [args, stdin] of cases) expect((await deputy(args, stdin)).code, args.join(' ')).toBe(2);
    expect(await hashOf('x@northwind.example')).toBeNull();
  });

  it('resets a password (signing the operator out) and removes an operator', async () => {
    const before = (await hashOf('ann@northwind.example'))?.password_hash;
    expect(
      (
        await deputy(
          ['operator', 'reset-password', '--site', 'demo', '--email', 'ann@northwind.example'],
          'a-new-password-1\n',
        )
      ).code,
    ).toBe(0);
    const after = (await hashOf('ann@northwind.example'))?.password_hash ?? '';
    expect(after).not.toBe(before);
    expect(await verifyPassword('a-new-password-1', after)).toBe(true);
    expect(
      (await deputy(['operator', 'remove', '--site', 'demo', '--email', 'ann@northwind.example'])).code,
    ).toBe(0);
    expect(await hashOf('ann@northwind.example')).toBeNull();
    expect(
      (await deputy(['operator', 'remove', '--site', 'demo', '--email', 'ann@northwind.example'])).code,
    ).toBe(1);
  });

  it('works as the npm script entry point, reading the password from a pipe', async () => {
    const child = execFile(
      'node_modules/.bin/tsx',
      [
        'server/cli.ts',
        'operator',
        'add',
        '--site',
        'demo',
        '--email',
        'cy@northwind.example',
        '--name',
        'Cy',
      ],
      { env },
    );
    child.stdin?.end('piped-password-1\n');
    const code = await new Promise<number | null>((r) => child.on('exit', r));
    expect(code).toBe(0);
    expect(
      await verifyPassword('piped-password-1', (await hashOf('cy@northwind.example'))?.password_hash ?? ''),
    ).toBe(true);
  }, 60_000);
});
