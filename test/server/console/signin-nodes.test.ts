// Sign-in limits across nodes (C2, docs/scaling.md): two nodes on one PostgreSQL count failed
// sign-ins together, so a guesser whose requests a load balancer spreads over the nodes meets the
// limits of one. The counts hold hashes, never an email or an address.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_OPERATOR } from '../../../server/console/plugin.js';
import { createTestDatabase, POSTGRES_SKIP_REASON, postgresAvailable } from '../../helpers/postgres.js';
import { removeDataDir, startServer, type TestServer } from '../../helpers/server.js';

describe.skipIf(!postgresAvailable)(
  `sign-in limits on two nodes${postgresAvailable ? '' : ` (${POSTGRES_SKIP_REASON})`}`,
  () => {
    let database: Awaited<ReturnType<typeof createTestDatabase>>;
    let a: TestServer;
    let b: TestServer;

    beforeAll(async () => {
      database = await createTestDatabase();
      a = await startServer({ env: { DATABASE_URL: database.url } });
      b = await startServer({ env: { DATABASE_URL: database.url } });
    }, 60_000);
    afterAll(async () => {
      await a?.close();
      await b?.close();
      for (const s of [a, b]) if (s) removeDataDir(s.dataDir);
      await database?.drop();
    });

    const signIn = (node: TestServer, email: string, password: string) =>
      fetch(`${node.url}/console/api/sign-in`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email, password }),
      });

    it('locks an account after five failures spread over both nodes, on both nodes', async () => {
      const statuses: number[] = [];
      for (let i = 0; i < 5; i++)
        statuses.push((await signIn(i % 2 ? b : a, DEMO_OPERATOR.email, 'wrong-password-123')).status);
      expect(statuses).toEqual([401, 401, 401, 401, 401]);
      for (const node of [a, b]) {
        const right = await signIn(node, DEMO_OPERATOR.email, DEMO_OPERATOR.password);
        expect(right.status).toBe(429);
        expect(Number(right.headers.get('retry-after'))).toBeGreaterThan(0);
      }
      const c = new pg.Client({ connectionString: database.url });
      await c.connect();
      try {
        const { rows } = await c.query<{ key: string; count: number }>(
          'select key, count from signin_failures',
        );
        expect(rows.map((r) => r.count).sort()).toEqual([5, 5]);
        for (const r of rows) expect(r.key).not.toMatch(/@|127\.0\.0\.1|northwind|sam/i);
      } finally {
        await c.end();
      }
    });

    it('holds back an address after twenty failures on many accounts, wherever they land', async () => {
      // The address's count already holds the five failures above (one address: 127.0.0.1).
      for (let i = 0; i < 15; i++) {
        const res = await signIn(i % 2 ? a : b, `guess${i}@northwind.example`, 'wrong-password-123');
        expect(res.status, `attempt ${i}`).toBe(401);
      }
      for (const node of [a, b]) {
        expect((await signIn(node, 'someone-new@northwind.example', 'wrong-password-123')).status).toBe(429);
      }
    });
  },
);
