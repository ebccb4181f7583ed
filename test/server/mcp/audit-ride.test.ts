import type { FastifyBaseLogger } from 'fastify';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Model } from '../../../server/agent/model.js';
import { ConsoleHub } from '../../../server/console/console-hub.js';
import { Handoff } from '../../../server/console/handoff.js';
import { NoteStore } from '../../../server/console/notes.js';
import { OwnershipStore } from '../../../server/console/ownership.js';
import type { ConversationHub } from '../../../server/gateway/hub.js';
import { AuditLog } from '../../../server/mcp/audit.js';
import type { McpCaller } from '../../../server/mcp/auth.js';
import { ConversationStore } from '../../../server/store/conversations.js';
import { describeStores, openTestStore, type TestStore } from '../../helpers/stores.js';

// A turn's tool-call audit rows ride in the owner read before its next model step (PostgreSQL,
// server/mcp/audit.ts and console/handoff.ts): no round trip of their own, committed before any
// model step runs on the calls' results, and never lost when the turn ends another way. The owner
// read stays where it was: a person who took the conversation (on any node) still stops that step.
const caller = (cid: string): McpCaller => ({
  sub: 'cus_alice',
  scopes: ['crm.read'],
  staff: false,
  anonymous: false,
  jti: 'jti-ride',
  client: 'deputy-chat',
  cid,
  site: 'demo',
  email: null,
  exp: Math.floor(Date.now() / 1000) + 600,
  token: 'not-a-token',
  operator: null,
});

const model: Model = {
  name: 'steps',
  async *step() {
    yield { type: 'done' } as never;
  },
};

describeStores('audit rows riding in the owner read', (kind) => {
  let t: TestStore;
  let audit: AuditLog;
  let handoff: Handoff;
  let conversations: ConversationStore;
  beforeAll(async () => {
    t = await openTestStore(kind);
    const db = t.store.db;
    audit = new AuditLog(db);
    conversations = new ConversationStore(db);
    const ownership = new OwnershipStore(db);
    handoff = new Handoff({
      db,
      ownership,
      notes: new NoteStore(db),
      conversations,
      // Never reached here: the bot is silenced before anything is sent.
      hub: {} as ConversationHub,
      consoles: new ConsoleHub(),
      sites: new Map(),
      log: { info() {}, warn() {}, error() {} } as unknown as FastifyBaseLogger,
      announce: async () => {},
    });
    handoff.auditRides(audit);
  });
  afterAll(() => t.dispose());

  const rowsOf = (cid: string) =>
    t.store.db
      .selectFrom('audit_log')
      .select(['tool', 'outcome'])
      .where('cid', '=', cid)
      .orderBy('id')
      .execute();
  const step = async (m: Model) => {
    for await (const _ of m.step({ tools: [] } as never, new AbortController().signal));
  };
  const record = (cid: string, tool: string) =>
    audit.record({
      caller: caller(cid),
      tool,
      args: {},
      outcome: 'ok',
      errorCode: null,
      latencyMs: 1,
    });

  /** A turn of the bot: read, beforeTurn, tracked; returns the guarded model and its end. */
  async function turn() {
    const c = await conversations.create('demo', 'cus_alice');
    let silenced = false;
    const state = await handoff.read(c.id);
    expect(await handoff.beforeTurn(c.id, 'status of T-1001?', state)).toBe(true);
    const untrack = handoff.track(c.id, () => {
      silenced = true;
    });
    return { cid: c.id, guarded: handoff.guardModel(model, c.id), untrack, silenced: () => silenced };
  }

  it('writes the rows of a step’s tool calls with the next step’s owner read, before that step runs', async () => {
    const { cid, guarded, untrack } = await turn();
    await step(guarded);
    const before = t.store.statements();
    await record(cid, 'get_ticket_status');
    await record(cid, 'get_customer_info');
    await new Promise((r) => setImmediate(r));
    if (kind === 'postgres') {
      // Held for the read: not written yet, and no statement spent.
      expect(await rowsOf(cid)).toEqual([]);
      const sent = t.store.statements();
      await step(guarded);
      // One statement for the owner read and both rows.
      expect(t.store.statements() - sent).toBe(1);
      expect(sent - before).toBe(1);
    } else {
      await step(guarded);
    }
    expect((await rowsOf(cid)).map((r) => r.tool)).toEqual(['get_ticket_status', 'get_customer_info']);
    untrack();
  });

  it('still stops the next step when a person took the conversation, and keeps the rows', async () => {
    const { cid, guarded, untrack, silenced } = await turn();
    await step(guarded);
    await record(cid, 'get_ticket_status');
    // An operator takes the conversation on another node: only the database knows.
    await t.store.db
      .updateTable('conversations')
      .set({ owner: 'operator', operator_id: null })
      .where('id', '=', cid)
      .execute();
    await expect(step(guarded)).rejects.toThrow(/a person owns this conversation/);
    expect(silenced()).toBe(true);
    expect((await rowsOf(cid)).map((r) => r.tool)).toEqual(['get_ticket_status']);
    untrack();
  });

  it('writes held rows when the turn ends without another step, and when no read comes in time', async () => {
    const ended = await turn();
    await step(ended.guarded);
    await record(ended.cid, 'update_phone_number');
    // The turn fails or ends after its tool call: its end writes the row.
    ended.untrack();
    await new Promise((r) => setTimeout(r, 50));
    expect((await rowsOf(ended.cid)).map((r) => r.tool)).toEqual(['update_phone_number']);

    const waiting = await turn();
    await step(waiting.guarded);
    await record(waiting.cid, 'update_phone_number');
    // The turn waits (a confirm card): the row is written on its own within a bounded wait.
    await new Promise((r) => setTimeout(r, 400));
    expect((await rowsOf(waiting.cid)).map((r) => r.tool)).toEqual(['update_phone_number']);
    // The next step's read finds nothing held and reads alone.
    await step(waiting.guarded);
    expect(await rowsOf(waiting.cid)).toHaveLength(1);
    waiting.untrack();
  });

  it('holds nothing for calls outside a running turn, and writes everything held on close', async () => {
    const c = await conversations.create('demo', 'cus_alice');
    // No turn: written at once, as before (resolves once committed).
    await record(c.id, 'get_customer_info');
    expect(await rowsOf(c.id)).toHaveLength(1);
    const { cid, guarded } = await turn();
    await step(guarded);
    await record(cid, 'get_ticket_status');
    await audit.close();
    expect(await rowsOf(cid)).toHaveLength(1);
  });
});
