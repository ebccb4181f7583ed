import { afterAll, beforeAll, expect, it } from 'vitest';
import { AuditLog } from '../../../server/mcp/audit.js';
import type { McpCaller } from '../../../server/mcp/auth.js';
import { describeStores, openTestStore, type TestStore } from '../../helpers/stores.js';

// The audit log's group commit (server/mcp/audit.ts): calls recorded in one event-loop turn share
// one INSERT, on SQLite a statement prepared once per row count (docs/architecture.md, "Hot queries").
const caller = (sub: string, cid: string | null): McpCaller => ({
  sub,
  scopes: ['crm.read'],
  staff: false,
  anonymous: false,
  jti: `jti-${sub}`,
  client: 'test',
  cid,
  site: 'demo',
  email: null,
  exp: Math.floor(Date.now() / 1000) + 600,
  token: 'not-a-token',
  operator: null,
});

describeStores('audit rows in one event-loop turn', (kind) => {
  let t: TestStore;
  let audit: AuditLog;
  beforeAll(async () => {
    t = await openTestStore(kind);
    audit = new AuditLog(t.store.db);
  });
  afterAll(() => t.dispose());

  const rowsOf = (sub: string) =>
    t.store.db
      .selectFrom('audit_log')
      .select([
        'sub',
        'tool',
        'args',
        'outcome',
        'error_code',
        'latency_ms',
        'jti',
        'cid',
        'site_id',
        'scopes',
      ])
      .where('sub', 'like', `${sub}%`)
      .orderBy('id')
      .execute();

  it('share one INSERT, every column as given and in call order', async () => {
    const before = t.store.statements();
    await Promise.all([
      audit.record({
        caller: caller('batch-a', 'conv_1'),
        tool: 'get_ticket_status',
        args: { ticket_id: 'T-1' },
        outcome: 'ok',
        errorCode: null,
        latencyMs: 1.234,
      }),
      audit.record({
        caller: caller('batch-b', null),
        site: 'acme',
        tool: 'weird tool!',
        args: { phone: '+1 212 555 0188' },
        outcome: 'error',
        errorCode: 'invalid_argument',
        latencyMs: 2,
      }),
      audit.record({
        caller: caller('batch-c', 'conv_3'),
        tool: 'create_ticket',
        args: null,
        outcome: 'denied',
        errorCode: 'forbidden',
        latencyMs: 0.5,
      }),
    ]);
    expect(t.store.statements() - before).toBe(1);
    expect(await rowsOf('batch-')).toEqual([
      {
        sub: 'batch-a',
        tool: 'get_ticket_status',
        args: '{"ticket_id":"T-1"}',
        outcome: 'ok',
        error_code: null,
        latency_ms: 1.23,
        jti: 'jti-batch-a',
        cid: 'conv_1',
        site_id: 'demo',
        scopes: 'crm.read',
      },
      {
        sub: 'batch-b',
        tool: 'weird?tool?',
        args: expect.not.stringContaining('555 0188'),
        outcome: 'error',
        error_code: 'invalid_argument',
        latency_ms: 2,
        jti: 'jti-batch-b',
        cid: null,
        site_id: 'acme',
        scopes: 'crm.read',
      },
      {
        sub: 'batch-c',
        tool: 'create_ticket',
        args: 'null',
        outcome: 'denied',
        error_code: 'forbidden',
        latency_ms: 0.5,
        jti: 'jti-batch-c',
        cid: 'conv_3',
        site_id: 'demo',
        scopes: 'crm.read',
      },
    ]);
  });

  it('wait for a transaction that holds the connection, and are not rolled back with it', async () => {
    let recorded: Promise<void> | undefined;
    const rolledBack = t.store.db.transaction().execute(async (trx) => {
      await trx.selectFrom('audit_log').select('id').limit(1).execute();
      recorded = audit.record({
        caller: caller('held-a', null),
        tool: 'get_ticket_status',
        args: {},
        outcome: 'ok',
        errorCode: null,
        latencyMs: 1,
      });
      // Still inside the transaction, a turn of the event loop later: the row is not in it.
      await new Promise((r) => setImmediate(r));
      await new Promise((r) => setImmediate(r));
      throw new Error('roll back');
    });
    await expect(rolledBack).rejects.toThrow('roll back');
    await recorded;
    expect((await rowsOf('held-')).map((r) => r.sub)).toEqual(['held-a']);
  });
});
