import { sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WIRE_ERRORS } from '../../../shared/errors.js';
import { POSTGRES_SKIP_REASON, postgresAvailable, postgresBinDir } from '../../helpers/postgres.js';
import { type PostgresCluster, startPostgresCluster } from '../../helpers/postgres-cluster.js';
import { removeDataDir, startServer, type TestServer } from '../../helpers/server.js';
import { signIn, type TestSocket } from '../../helpers/ws-client.js';

/**
 * PostgreSQL restarting under load (docs/operations.md, "PostgreSQL"): on a cluster of its own,
 * stopped (`pg_ctl stop -m fast`) while visitors keep writing and started again once a message was refused. Messages in flight fail with
 * a coded error (never a hang or a crash), the node's pool reconnects by itself, and no
 * acknowledged message is lost or stored twice, also when the failed ones are sent again.
 */
describe.skipIf(!postgresAvailable)(
  `PostgreSQL restarting under load${postgresAvailable ? '' : ` (${POSTGRES_SKIP_REASON})`}`,
  () => {
    let cluster: PostgresCluster;
    let server: TestServer;
    beforeAll(async () => {
      cluster = await startPostgresCluster(postgresBinDir());
      const admin = new pg.Client({ connectionString: cluster.adminUrl });
      await admin.connect();
      await admin.query('create database deputy_restart');
      await admin.end();
      const url = new URL(cluster.adminUrl);
      url.pathname = '/deputy_restart';
      server = await startServer({
        env: {
          DATABASE_URL: url.href,
          DEPUTY_LIMIT_MESSAGES_PER_MINUTE: '10000',
          DEPUTY_LIMIT_MODEL_CALLS_PER_MINUTE: '10000',
        },
      });
    });
    afterAll(async () => {
      await server?.close();
      if (server) removeDataDir(server.dataDir);
      cluster?.stop();
    });

    it('fails messages in flight with a coded error, reconnects, and loses no acknowledged message', async () => {
      const subs = ['cus_alice', 'cus_bob', 'cus_alice', 'cus_bob'];
      const sockets = await Promise.all(subs.map((sub) => signIn(server, sub)));
      const acked = new Map<string, { seq: number; socket: number }>();
      const failed: { clientId: string; socket: number }[] = [];
      const codes = new Set<string>();
      let restarted = false;
      const ackedAfterRestart = new Set<number>();
      let n = 0;
      const t0 = Date.now();
      let restartAt = 0;
      let restartedAt = 0;

      /** One message: its ack, or the coded error that refused it. */
      const send = async (s: TestSocket, i: number, clientId: string): Promise<'acked' | 'failed'> => {
        const start = s.frames.length;
        const sentAt = Date.now();
        s.send({ type: 'message', clientId, text: 'show me my tickets' });
        const outcome = await Promise.race([
          s.next('ack', (f) => f.clientId === clientId, 20_000, start),
          s.next('error', () => true, 20_000, start),
        ]).catch((err) => {
          throw new Error(
            `${err} (${clientId}, sent ${sentAt - t0} ms, restart ${restartAt - t0}..${restartedAt - t0}): ${JSON.stringify(s.frames.slice(start))}`,
          );
        });
        if (outcome.type === 'ack') {
          acked.set(clientId, { seq: outcome.seq, socket: i });
          // The reply (or the turn's own coded failure) before the next message, like the widget.
          await Promise.race([
            s.next('message', (f) => f.role === 'assistant' && f.seq > outcome.seq, 20_000, start),
            s.next('error', () => true, 20_000, start + 1),
          ]).catch(() => {});
          return 'acked';
        }
        codes.add(outcome.code);
        return 'failed';
      };

      const visitor = async (s: TestSocket, i: number) => {
        while (!restarted || !ackedAfterRestart.has(i)) {
          const clientId = `restart_${i}_${n++}`;
          const wasRestarted = restarted;
          const result = await send(s, i, clientId);
          if (result === 'failed') {
            failed.push({ clientId, socket: i });
            await new Promise((r) => setTimeout(r, 200));
          } else if (wasRestarted) ackedAfterRestart.add(i);
        }
      };
      const restart = (async () => {
        while (acked.size < 8) await new Promise((r) => setTimeout(r, 20));
        restartAt = Date.now();
        // Down until a message has been refused (bounded), so the outage is felt however fast the
        // machine: a restart between two messages would test nothing.
        await cluster.restart(async () => {
          const until = Date.now() + 10_000;
          while (failed.length === 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
        });
        restartedAt = Date.now();
        restarted = true;
      })();
      await Promise.all([...sockets.map((s, i) => visitor(s, i)), restart]);

      // The restart was felt (messages were refused), and every refusal was a documented wire code.
      expect(failed.length).toBeGreaterThan(0);
      for (const code of codes) expect(Object.keys(WIRE_ERRORS)).toContain(code);
      // The node answers readiness again without a restart of its own.
      expect((await fetch(`${server.url}/readyz`)).status).toBe(200);

      // The widget resends what was not acknowledged, with the same client id: stored once.
      for (const f of failed) {
        const s = sockets[f.socket] as TestSocket;
        expect(await send(s, f.socket, f.clientId)).toBe('acked');
      }
      const { db } = server.app.deputy.store;
      const rows = await db
        .selectFrom('messages')
        .select(['client_id', 'seq', 'conversation_id'])
        .where('client_id', 'is not', null)
        .execute();
      const byClient = new Map(rows.map((r) => [r.client_id, r]));
      expect(rows.length).toBe(byClient.size);
      for (const [clientId, a] of acked) expect(byClient.get(clientId)?.seq, clientId).toBe(a.seq);
      // Sequence numbers have no holes: nothing half-written survived the restart.
      const gaps = await sql<{ n: number }>`select count(*) as n from conversations c
        where c.last_seq <> (select count(*) from messages m where m.conversation_id = c.id)`.execute(db);
      expect(gaps.rows[0]?.n).toBe(0);
      for (const s of sockets) s.close();
    }, 120_000);
  },
);
