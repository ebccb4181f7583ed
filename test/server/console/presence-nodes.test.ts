// Operator presence across nodes (docs/scaling.md, "Operator presence"): an operator whose console
// is open on node B counts for a visitor on node A, so A offers the queue rather than "nobody is
// available"; once the console closes, A says so again.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, POSTGRES_SKIP_REASON, postgresAvailable } from '../../helpers/postgres.js';
import { removeDataDir, startServer, type TestServer } from '../../helpers/server.js';
import { signIn } from '../../helpers/ws-client.js';
import { consoleSignIn, consoleSocket, until } from './support.js';

describe.skipIf(!postgresAvailable)(
  `operator presence across two nodes${postgresAvailable ? '' : ` (${POSTGRES_SKIP_REASON})`}`,
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
      for (const n of [a, b]) {
        await n?.close().catch(() => {});
        if (n) removeDataDir(n.dataDir);
      }
      await database?.drop();
    });

    /** The status line node A gives a visitor who asks for a person. */
    async function askForPerson(sub: string, clientId: string): Promise<string> {
      const visitor = await signIn(a, sub);
      visitor.send({ type: 'message', clientId, text: 'I want to talk to a person' });
      const status = await visitor.next('message', (f) => f.role === 'status');
      visitor.close();
      return status.text;
    }

    const onlineRows = async () =>
      (await a.app.deputy.store.db.selectFrom('operator_presence').select('operator_id').execute()).length;

    it('counts an operator whose console is open on the other node, and stops when it closes', async () => {
      expect(await askForPerson('cus_bob', 'c_presence_01')).toBe('offline');

      const sam = await consoleSignIn(b);
      const live = await consoleSocket(b, sam);
      await live.next((f) => f.type === 'hello');
      await until(async () => (await onlineRows()) === 1 || undefined);
      // Node A learns through the presence pointer on the live bus, not only its next periodic sync.
      await until(async () => {
        const text = await askForPerson('cus_alice', `c_presence_${Date.now()}`);
        return /^queued:\d+$/.test(text) ? text : undefined;
      });

      live.ws.close();
      await until(async () => (await onlineRows()) === 0 || undefined);
      const later = await (async () => {
        // A fresh conversation of a visitor never seen before on this database.
        for (let i = 0; i < 50; i++) {
          const text = await askForPerson('cus_presence_new', `c_presence_gone_${i}`);
          if (text === 'offline') return text;
          await new Promise((r) => setTimeout(r, 100));
        }
        return 'still online';
      })();
      expect(later).toBe('offline');
    });
  },
);
