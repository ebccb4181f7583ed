// Turn leases across nodes (docs/scaling.md, "Turn order"), on a real PostgreSQL database with two
// nodes in this process, each with its own pool, bus and turn order: one turn at a time per
// conversation; the lease is taken and given back inside the live bus's notify statements (no round
// trip of its own); a turn queued behind another on the same node runs under the same lease; a
// turn that finds the lease held says so (the gateway withdraws the cards of earlier messages) and
// again when a card changes; a dead node's lease is taken over after its lifetime.
import type { Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ownedFromJson, ownerJson } from '../../../server/console/ownership.js';
import { LeasedTurnOrder, type LeaseOptions } from '../../../server/gateway/turn-order.js';
import { PgBus } from '../../../server/live/pg-bus.js';
import { ConversationStore } from '../../../server/store/conversations.js';
import type { Store } from '../../../server/store/db.js';
import { openPostgresStore } from '../../../server/store/postgres.js';
import { createTestDatabase, POSTGRES_SKIP_REASON, postgresAvailable } from '../../helpers/postgres.js';

const quiet = { info() {}, warn() {} };

async function until(what: string, done: () => boolean | Promise<boolean>, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await done())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

describe.skipIf(!postgresAvailable)(
  `turn leases across nodes${postgresAvailable ? '' : ` (${POSTGRES_SKIP_REASON})`}`,
  () => {
    let database: Awaited<ReturnType<typeof createTestDatabase>>;
    const nodes: Array<{ store: Store; bus: PgBus; order: LeasedTurnOrder }> = [];

    async function node(name: string, ttlMs = 10_000, withTake?: LeaseOptions['withTake']) {
      const store = await openPostgresStore(database.url, { poolSize: 4 });
      const bus = new PgBus({ url: database.url, db: store.db as unknown as Kysely<unknown>, log: quiet });
      const order = new LeasedTurnOrder({
        db: store.db,
        nodeId: name,
        ttlMs,
        run: (write, released) => bus.ride(write, released ? { k: 'l', c: released } : undefined),
        stopping: () => false,
        log: quiet,
        ...(withTake ? { withTake } : {}),
      });
      await bus.start({
        pointer: (p) => {
          if (p.k === 'l') order.released(p.c);
          if (p.k === 'c') order.cardChanged(p.c);
        },
        resync() {},
      });
      const n = { store, bus, order };
      nodes.push(n);
      return n;
    }

    const leaseOf = async (store: Store, c: string) =>
      store.db.selectFrom('turn_leases').selectAll().where('conversation_id', '=', c).executeTakeFirst();

    beforeAll(async () => {
      database = await createTestDatabase();
    });
    afterAll(async () => {
      for (const n of nodes) {
        await n.bus.close();
        await n.store.close();
      }
      await database?.drop();
    });

    it("takes the lease with the visitor message's pointer and gives it back with the reply's: two statements per turn", async () => {
      const a = await node('n_a1');
      const b = await node('n_b1');
      const seen: string[] = [];
      const onB = b.bus.stats.received;
      const before = a.store.statements();
      // What the gateway does on a visitor message: the message's pointer, then the turn.
      a.bus.publish({ k: 'm', c: 'conv_1', s: 1, t: 'demo' });
      await a.order.enqueue('conv_1', async () => {
        seen.push((await leaseOf(b.store, 'conv_1'))?.holder.split(':')[0] ?? 'none');
        a.bus.publish({ k: 'm', c: 'conv_1', s: 2, t: 'demo' });
      });
      // The turn's own statement (the read above, on the other pool) is not A's.
      expect(a.store.statements() - before).toBe(2);
      expect(seen).toEqual(['n_a1']);
      expect(await leaseOf(a.store, 'conv_1')).toBeUndefined();
      // B heard the two messages and the release.
      await until('three pointers on b', () => b.bus.stats.received - onB >= 3);
    });

    it('runs turns queued on one node under one lease, one at a time, and gives it back once', async () => {
      const a = await node('n_a2');
      const before = a.store.statements();
      let running = 0;
      let overlap = false;
      const turn = async () => {
        running++;
        if (running > 1) overlap = true;
        await new Promise((r) => setTimeout(r, 20));
        running--;
      };
      await Promise.all([1, 2, 3].map(() => a.order.enqueue('conv_2', turn)));
      expect(overlap).toBe(false);
      // One take (riding alone: no pointer was waiting) and one release for the three turns.
      expect(a.store.statements() - before).toBe(2);
      expect(await leaseOf(a.store, 'conv_2')).toBeUndefined();
    });

    it("never runs two nodes' turns at once; the waiting turn says it is contended, again on a card change, and runs on the release", async () => {
      const a = await node('n_a3');
      const b = await node('n_b3');
      const holding = deferred();
      const started = deferred();
      const order: string[] = [];
      const onA = a.order.enqueue('conv_3', async () => {
        started.resolve();
        order.push('a start');
        await holding.promise;
        order.push('a end');
      });
      await started.promise;
      let contended = 0;
      const onB = b.order.enqueue(
        'conv_3',
        async () => {
          order.push('b');
        },
        {
          contended: async () => {
            contended++;
          },
        },
      );
      await until('b contended', () => contended === 1);
      // A card of the conversation changed (a pointer from any node): B looks again.
      a.bus.publish({ k: 'c', c: 'conv_3', i: 'cf_test0001' });
      await until('b contended again', () => contended === 2);
      expect(order).toEqual(['a start']);
      holding.resolve();
      await Promise.all([onA, onB]);
      expect(order).toEqual(['a start', 'a end', 'b']);
      expect(contended).toBe(2);
    });

    it('takes over the lease of a node that died once it expires, saying so before the turn runs', async () => {
      const b = await node('n_b4');
      // A node that died mid-turn: its lease row stays until it expires.
      await b.store.db
        .insertInto('turn_leases')
        .values({
          conversation_id: 'conv_4',
          holder: 'n_dead:x',
          expires_at: new Date(Date.now() + 400).toISOString(),
        })
        .execute();
      const events: string[] = [];
      await b.order.enqueue('conv_4', async () => void events.push('turn'), {
        contended: async () => void events.push('contended'),
      });
      // Once while it waited (held), once on taking over the expired lease, then the turn.
      expect(events.at(-1)).toBe('turn');
      expect(events.at(-2)).toBe('contended');
      expect(events.filter((e) => e === 'contended').length).toBeGreaterThanOrEqual(2);
      expect(await leaseOf(b.store, 'conv_4')).toBeUndefined();
    });

    it("reads the conversation's owner in the statement that takes the lease free, for the turn it starts only", async () => {
      const events: string[] = [];
      const withTake: LeaseOptions['withTake'] = {
        read: ownerJson,
        taken: (_c, value) => {
          const row = ownedFromJson(value);
          events.push(`taken ${row ? `${row.owner} ${row.lastSeq}` : 'none'}`);
        },
        forget: () => void events.push('forget'),
      };
      const a = await node('n_a5', 10_000, withTake);
      const conversation = await new ConversationStore(a.store.db).create('demo', 'cus_alice');
      await a.store.db
        .updateTable('conversations')
        .set({ owner: 'queue' })
        .where('id', '=', conversation.id)
        .execute();
      const before = a.store.statements();
      // Two turns queued together: the first takes the lease (and the read), the second runs under it.
      await Promise.all(
        ['one', 'two'].map((t) =>
          a.order.enqueue(conversation.id, async () => void events.push(`turn ${t}`)),
        ),
      );
      // Still one take and one release: the read cost no round trip.
      expect(a.store.statements() - before).toBe(2);
      expect(events).toEqual(['taken queue 0', 'turn one', 'forget', 'turn two']);
      // A conversation with no row reads as none; a lease taken over from a dead node reads nothing
      // (its cards are settled first, so time passes before the turn: it reads for itself).
      events.length = 0;
      await a.order.enqueue('conv_none', async () => void events.push('turn'));
      expect(events).toEqual(['taken none', 'turn', 'forget']);
      events.length = 0;
      await a.store.db
        .insertInto('turn_leases')
        .values({
          conversation_id: conversation.id,
          holder: 'n_dead:y',
          expires_at: new Date(Date.now() - 1).toISOString(),
        })
        .execute();
      await a.order.enqueue(conversation.id, async () => void events.push('turn'), {
        contended: async () => void events.push('contended'),
      });
      expect(events).toEqual(['contended', 'turn']);
    });
  },
);
