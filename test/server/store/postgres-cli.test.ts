import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CliIo, runCli } from '../../../server/cli.js';
import { openConfiguredStore } from '../../../server/store/db.js';
import { createTestDatabase, POSTGRES_SKIP_REASON, postgresAvailable } from '../../helpers/postgres.js';
import { removeDataDir, startServer, type TestServer } from '../../helpers/server.js';
import { TestSocket } from '../../helpers/ws-client.js';

/**
 * The CLI with DATABASE_URL (docs/operations.md, "PostgreSQL"): every command works on the database
 * the server uses, reads its keys from there, and never needs (or creates) the server's data
 * directory; backup and restore refuse and name pg_dump.
 */
describe.skipIf(!postgresAvailable)(
  `the CLI on PostgreSQL${postgresAvailable ? '' : ` (${POSTGRES_SKIP_REASON})`}`,
  () => {
    let server: TestServer;
    let env: NodeJS.ProcessEnv;
    const scratch = mkdtempSync(path.join(tmpdir(), 'deputy-pgcli-'));
    // A data directory that does not exist: nodes on PostgreSQL share no disk.
    const noDataDir = path.join(scratch, 'no-such-dir');

    beforeAll(async () => {
      server = await startServer({ store: 'postgres' });
      env = {
        ...process.env,
        DATABASE_URL: server.storeEnv.DATABASE_URL,
        DEPUTY_DATA_DIR: noDataDir,
        HOST: '127.0.0.1',
        PORT: String(server.port),
      };
    });
    afterAll(async () => {
      await server.close();
      removeDataDir(server.dataDir);
      rmSync(scratch, { recursive: true, force: true });
    });

    async function deputy(args: string[], opts: { env?: NodeJS.ProcessEnv; stdin?: string } = {}) {
      let stdout = '';
      let stderr = '';
      const io: CliIo & { stdin: NodeJS.ReadableStream } = {
        env: opts.env ?? env,
        out: (l) => {
          stdout += `${l}\n`;
        },
        err: (l) => {
          stderr += `${l}\n`;
        },
        stdin: Readable.from([opts.stdin ?? '']),
      };
      return { code: await runCli(args, io), stdout, stderr };
    }

    it('mints an MCP token with the key in the database, which the server accepts', async () => {
      const r = await deputy(['token', 'mcp', '--sub', 'cus_alice', '--scope', 'crm.read']);
      expect(r.code, r.stderr).toBe(0);
      const password = new URL(String(env.DATABASE_URL)).password;
      expect(r.stderr).toContain('data: postgres://');
      expect(r.stderr).not.toContain(password);
      const jwks = createRemoteJWKSet(new URL(`${server.url}/.well-known/jwks.json`));
      const { payload } = await jwtVerify(r.stdout.trim(), jwks, { issuer: server.url });
      expect(payload.sub).toBe('cus_alice');
    });

    it("mints a visitor token with the demo site's secret from the database, and the widget signs in with it", async () => {
      const r = await deputy(['token', 'visitor', '--site', 'demo', '--sub', 'cus_bob']);
      expect(r.code, r.stderr).toBe(0);
      const socket = await TestSocket.open(server.url);
      socket.send({ type: 'hello', v: 1, site: 'demo', token: r.stdout.trim() });
      expect((await socket.next('welcome')).type).toBe('welcome');
      socket.close();
    });

    it('seeds, imports, prints the audit log and manages operators on the database', async () => {
      expect((await deputy(['seed'])).code).toBe(0);
      const customers = path.join(scratch, 'customers.csv');
      writeFileSync(customers, 'customer_id,name,email,phone\ncus_carol,Carol Diaz,carol@example.com,\n');
      const imported = await deputy(['import', '--site', 'demo', customers]);
      expect(imported.code, imported.stderr).toBe(0);
      expect(imported.stdout).toContain('customers 1 added');
      const carol = await server.app.deputy.store.db
        .selectFrom('customers')
        .select('name')
        .where('id', '=', 'cus_carol')
        .executeTakeFirst();
      expect(carol?.name).toBe('Carol Diaz');
      expect((await deputy(['audit', '--json'])).code).toBe(0);
      const added = await deputy(
        ['operator', 'add', '--site', 'demo', '--email', 'ann@example.com', '--name', 'Ann'],
        {
          stdin: 'correct horse battery staple\n',
        },
      );
      expect(added.code, added.stderr).toBe(0);
      const listed = await deputy(['operator', 'list']);
      expect(listed.stdout).toContain('ann@example.com');
      expect(existsSync(noDataDir)).toBe(false);
    });

    it('refuses backup and restore, naming pg_dump and pg_restore', async () => {
      const b = await deputy(['backup', path.join(scratch, 'b.sqlite')]);
      expect(b.code).toBe(1);
      expect(b.stderr).toContain('[backup_unsupported]');
      expect(b.stderr).toContain('pg_dump');
      const r = await deputy(['restore', path.join(scratch, 'b.sqlite')]);
      expect(r.stderr).toContain('[backup_unsupported]');
      expect(r.stderr).toContain('pg_restore');
    });

    it('refuses an empty database (data_dir_missing) and one from a newer version (database_newer), changing neither', async () => {
      const empty = await createTestDatabase();
      const newer = await createTestDatabase();
      try {
        const r = await deputy(['token', 'mcp', '--sub', 'x', '--scope', 'crm.read'], {
          env: { ...env, DATABASE_URL: empty.url },
        });
        expect(r.stderr).toContain('[data_dir_missing]');
        expect(await tableNames(empty.url)).toEqual([]);

        const store = await openConfiguredStore({ dataDir: noDataDir, databaseUrl: newer.url });
        await sql`insert into kysely_migration (name, timestamp) values ('9999-future', 'now')`.execute(
          store.db,
        );
        await store.close();
        const before = await tableNames(newer.url);
        const n = await deputy(['seed'], { env: { ...env, DATABASE_URL: newer.url } });
        expect(n.stderr).toContain('[database_newer]');
        expect(await tableNames(newer.url)).toEqual(before);
        expect(await countRows(newer.url, 'customers')).toBe(0);
      } finally {
        await empty.drop();
        await newer.drop();
      }
    });
  },
);

async function withClient<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

function tableNames(url: string): Promise<string[]> {
  return withClient(url, async (c) =>
    (
      await c.query<{ tablename: string }>(
        "select tablename from pg_tables where schemaname = 'public' order by tablename",
      )
    ).rows.map((r) => r.tablename),
  );
}

function countRows(url: string, table: string): Promise<number> {
  return withClient(url, async (c) =>
    Number((await c.query(`select count(*) as n from ${table}`)).rows[0].n),
  );
}
