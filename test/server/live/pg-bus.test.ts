// The PostgreSQL fan-out (docs/scaling.md): pointers reach every node's listener, and a listener
// whose backend is terminated reconnects, LISTENs again, and asks for a catch-up read.
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LivePointer } from '../../../server/live/bus.js';
import { PgBus } from '../../../server/live/pg-bus.js';
import {
  createTestDatabase,
  POSTGRES_SKIP_REASON,
  postgresAdminUrl,
  postgresAvailable,
} from '../../helpers/postgres.js';

const quiet = { info() {}, warn() {} };

async function until<T>(
  what: string,
  probe: () => T | Promise<T>,
  done: (v: T) => boolean,
  ms = 10_000,
): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (done(v)) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe.skipIf(!postgresAvailable)(
  `LISTEN/NOTIFY bus${postgresAvailable ? '' : ` (${POSTGRES_SKIP_REASON})`}`,
  () => {
    let database: Awaited<ReturnType<typeof createTestDatabase>>;
    let db: Kysely<unknown>;

    beforeAll(async () => {
      database = await createTestDatabase();
      db = new Kysely({
        dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: database.url, max: 2 }) }),
      });
    });
    afterAll(async () => {
      await db?.destroy();
      await database?.drop();
    });

    function node() {
      const got: LivePointer[] = [];
      let resyncs = 0;
      const bus = new PgBus({ url: database.url, db, log: quiet });
      const started = bus.start({ pointer: (p) => got.push(p), resync: () => resyncs++ });
      return { bus, got, resyncs: () => resyncs, started };
    }

    it('delivers a pointer published on one node to the other, and folds a burst to the highest seq', async () => {
      const a = node();
      const b = node();
      await Promise.all([a.started, b.started]);
      expect(a.resyncs()).toBe(1);
      a.bus.publish({ k: 'm', c: 'conv_x', s: 1, t: 'demo' });
      a.bus.publish({ k: 'm', c: 'conv_x', s: 2, t: 'demo' });
      a.bus.publish({ k: 'c', c: 'conv_x', i: 'cf_abcdefgh' });
      await until(
        'both pointers on b',
        () => b.got.length,
        (n) => n >= 2,
      );
      expect(b.got).toEqual([
        { k: 'm', c: 'conv_x', s: 2, t: 'demo' },
        { k: 'c', c: 'conv_x', i: 'cf_abcdefgh' },
      ]);
      await until(
        'both pointers back on a',
        () => a.got.length,
        (n) => n >= 2,
      );
      expect(a.got).toEqual(b.got);
      // Counted when the statement's answer reaches a, which can be after the listeners have the
      // notifications (another connection): wait for it, then check the burst was folded to two.
      await until(
        'the flush counted on a',
        () => a.bus.stats.notifies,
        (n) => n >= 2,
      );
      expect(a.bus.stats.notifies).toBe(2);
      await Promise.all([a.bus.close(), b.bus.close()]);
    });

    it('reconnects a terminated listener, listens again and asks for a catch-up', async () => {
      const a = node();
      const b = node();
      await Promise.all([a.started, b.started]);
      const pid = b.bus.backendPid;
      expect(pid).toBeTypeOf('number');
      const admin = new pg.Client({ connectionString: postgresAdminUrl() });
      await admin.connect();
      try {
        await admin.query('select pg_terminate_backend($1)', [pid]);
      } finally {
        await admin.end();
      }
      await until(
        'a reconnect',
        () => b.bus.stats.reconnects,
        (n) => n === 1,
      );
      expect(b.resyncs()).toBe(2);
      expect(b.bus.backendPid).not.toBe(pid);
      a.bus.publish({ k: 'm', c: 'conv_y', s: 7, t: 'demo' });
      await until(
        'the pointer after the reconnect',
        () => b.got.length,
        (n) => n === 1,
      );
      expect(b.got[0]).toEqual({ k: 'm', c: 'conv_y', s: 7, t: 'demo' });
      await Promise.all([a.bus.close(), b.bus.close()]);
    });

    it('ignores payloads that are not pointers', async () => {
      const b = node();
      await b.started;
      const c = new pg.Client({ connectionString: database.url });
      await c.connect();
      await c.query(
        `select pg_notify('deputy_live', 'not json'), pg_notify('deputy_live', '{"k":"m","c":"x"}')`,
      );
      await c.query(`select pg_notify('deputy_live', '{"k":"l","c":"conv_z"}')`);
      await c.end();
      await until(
        'the valid pointer',
        () => b.got.length,
        (n) => n === 1,
      );
      expect(b.got).toEqual([{ k: 'l', c: 'conv_z' }]);
      await b.bus.close();
    });
  },
);
