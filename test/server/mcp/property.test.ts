import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONFIRMATION_META_KEY } from '../../../server/mcp/confirmation.js';
import type { Scope } from '../../../shared/scopes.js';
import { removeDataDir, startServer, type TestServer } from '../../helpers/server.js';
import { sqliteOf } from '../../helpers/stores.js';
import { rawCall, tokenWith } from './support.js';

/**
 * Thousands of random tool calls with random arguments under random tokens of two customers: none
 * may read or change the other customer's data, and none may crash the server (issue 3, item 10).
 */

type Actor = 'cus_alice' | 'cus_bob';
const OTHER: Record<Actor, Actor> = { cus_alice: 'cus_bob', cus_bob: 'cus_alice' };
const SCOPES: Scope[] = ['crm.read', 'crm.contact.update.self', 'crm.ticket.create', 'crm.write'];
const TOOLS = [
  'get_customer_info',
  'get_ticket_status',
  'list_my_tickets',
  'update_phone_number',
  'create_ticket',
  'add_ticket_comment',
];
// Distinct pools, so one customer can never hold the other's number by chance.
const PHONES: Record<Actor, string[]> = {
  cus_alice: ['+1 212 555 0101', '(646) 555-0102', '+1 718 555 0103', '+14155550132'],
  cus_bob: ['+44 20 7946 0201', '+44 20 7946 0202', '+442079460958', '+44 7911 123456'],
};

let server: TestServer;
const tokens = new Map<string, string>();

beforeAll(async () => {
  server = await startServer();
});
afterAll(async () => {
  await server.close();
  removeDataDir(server.dataDir);
});

async function tokenFor(actor: Actor, scopes: Scope[]): Promise<string> {
  const key = `${actor}|${scopes.join(' ')}`;
  let token = tokens.get(key);
  if (!token) {
    token = await tokenWith(server, { sub: actor, scopes });
    tokens.set(key, token);
  }
  return token;
}

/** Everything that belongs to one customer, hashed: their record, tickets and comments. */
function ownedHash(customer: Actor): string {
  const db = sqliteOf(server.app.deputy.store);
  const parts = [
    db.prepare('select * from customers where id = ?').all(customer),
    db.prepare('select * from tickets where customer_id = ? order by id').all(customer),
    db
      .prepare(
        'select c.* from ticket_comments c join tickets t on t.id = c.ticket_id where t.customer_id = ? order by c.id',
      )
      .all(customer),
  ];
  return createHash('sha256').update(JSON.stringify(parts)).digest('hex');
}

/** Strings that would prove a leak of `customer`'s data into someone else's answer. */
function secretsOf(customer: Actor): string[] {
  const db = sqliteOf(server.app.deputy.store);
  const c = db.prepare('select name, email, phone from customers where id = ?').get(customer) as {
    name: string;
    email: string;
    phone: string | null;
  };
  const subjects = (
    db.prepare('select subject from tickets where customer_id = ?').all(customer) as { subject: string }[]
  ).map((t) => t.subject);
  return [c.name, c.email, ...(c.phone ? [c.phone] : []), ...subjects.filter((s) => s.length >= 8)];
}

function ticketIdsOf(customer: Actor): string[] {
  return (
    sqliteOf(server.app.deputy.store)
      .prepare('select id from tickets where customer_id = ?')
      .all(customer) as {
      id: string;
    }[]
  ).map((t) => t.id);
}

const ticketId = fc.oneof(
  fc.constantFrom('T-1001', 'T-1002', 'T-2001', 'T-3001', 'T-3002', 'T-3003', 'T-9999'),
  fc.string({ maxLength: 12 }),
);
const words = fc.stringMatching(/^[a-z]{3,12}( [a-z]{2,10}){0,4}$/);

function wellFormedArgs(actor: Actor, tool: string) {
  switch (tool) {
    case 'get_ticket_status':
      return fc.record({ ticket_id: ticketId });
    case 'list_my_tickets':
      return fc.record(
        {
          status: fc.constantFrom('open', 'pending', 'solved', 'closed'),
          limit: fc.integer({ min: 0, max: 60 }),
        },
        { requiredKeys: [] },
      );
    case 'update_phone_number':
      return fc.record({ phone: fc.oneof(fc.constantFrom(...PHONES[actor]), fc.string({ maxLength: 45 })) });
    case 'create_ticket':
      return fc.record(
        {
          subject: words.map((w) => `${actor} ${w}`),
          description: words,
          priority: fc.constantFrom('low', 'normal', 'high', 'urgent', 'whatever'),
        },
        { requiredKeys: ['subject', 'description'] },
      );
    case 'add_ticket_comment':
      return fc.record({ ticket_id: ticketId, body: words });
    default:
      return fc.constant({});
  }
}

const actorArb = fc.constantFrom<Actor>('cus_alice', 'cus_bob');
const scopesArb = fc.subarray(SCOPES);
const extraKeys = fc.dictionary(
  fc.constantFrom('customer_id', 'sub', 'x', 'ticket_id', 'phone'),
  fc.jsonValue(),
  {
    maxKeys: 2,
  },
);

type Command =
  | { kind: 'call'; actor: Actor; scopes: Scope[]; tool: string; args: unknown }
  | { kind: 'confirm'; actor: Actor; scopes: Scope[]; steal: boolean; mutate: boolean };

const commandArb: fc.Arbitrary<Command> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc
      .record({ actor: actorArb, scopes: scopesArb, tool: fc.constantFrom(...TOOLS) })
      .chain(({ actor, scopes, tool }) =>
        fc
          .oneof(
            { weight: 4, arbitrary: wellFormedArgs(actor, tool) },
            {
              weight: 1,
              arbitrary: fc.tuple(wellFormedArgs(actor, tool), extraKeys).map(([a, b]) => ({ ...a, ...b })),
            },
            { weight: 1, arbitrary: fc.jsonValue() },
          )
          .map((args) => ({ kind: 'call' as const, actor, scopes, tool, args })),
      ),
  },
  {
    weight: 1,
    arbitrary: fc
      .record({
        actor: actorArb,
        scopes: scopesArb,
        tool: fc.string({ maxLength: 20 }),
        args: fc.jsonValue(),
      })
      .map((c) => ({ kind: 'call' as const, ...c })),
  },
  {
    weight: 3,
    arbitrary: fc
      .record({ actor: actorArb, scopes: scopesArb, steal: fc.boolean(), mutate: fc.boolean() })
      .map((c) => ({ kind: 'confirm' as const, ...c })),
  },
);

interface Pending {
  tool: string;
  args: unknown;
  state: string;
}

let calls = 0;
let writes = 0;

async function run(cmd: Command, pending: Map<Actor, Pending>): Promise<void> {
  const token = await tokenFor(cmd.actor, cmd.scopes);
  let params: Record<string, unknown>;
  if (cmd.kind === 'call') {
    params = { name: cmd.tool, arguments: cmd.args };
  } else {
    const p = pending.get(cmd.steal ? OTHER[cmd.actor] : cmd.actor);
    if (!p) return;
    const args =
      cmd.mutate && p.args && typeof p.args === 'object' ? { ...p.args, description: 'changed' } : p.args;
    params = { name: p.tool, arguments: args, _meta: { [CONFIRMATION_META_KEY]: p.state } };
  }
  const other = OTHER[cmd.actor];
  const otherBefore = ownedHash(other);
  const otherIds = ticketIdsOf(other);
  const secrets = secretsOf(other);
  const { status, body } = await rawCall(server, token, params);
  calls++;
  // Never a crash or a 5xx: 200 (a result or a JSON-RPC error) or 403 for a token with no scope;
  // a body carrying __proto__ or constructor keys is refused by the JSON parser itself (400, F7).
  const poisoned = /"(__proto__|constructor)"/.test(JSON.stringify(params));
  expect([...(cmd.scopes.length === 0 ? [403] : [200]), ...(poisoned ? [400] : [])]).toContain(status);
  expect(ownedHash(other)).toBe(otherBefore);
  const text = JSON.stringify(body);
  const sent = JSON.stringify(params);
  for (const s of secrets) if (!sent.includes(s)) expect(text).not.toContain(s);
  const structured = JSON.stringify(body.result?.structuredContent ?? null);
  for (const id of otherIds) expect(structured).not.toContain(`"${id}"`);
  const first = body.result?.content?.[0];
  if (body.result?.isError && first?.type === 'text') {
    const err = JSON.parse(first.text) as { error?: string; confirmation?: { state: string } };
    if (err.error === 'confirmation_required' && err.confirmation && cmd.kind === 'call') {
      pending.set(cmd.actor, { tool: cmd.tool, args: cmd.args, state: err.confirmation.state });
    }
  } else if (body.result && cmd.kind === 'confirm') {
    writes++;
  }
}

describe('random tool calls by two customers (property)', () => {
  it('never read or change the other customer’s data and never crash the server', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(commandArb, { minLength: 10, maxLength: 40 }), async (commands) => {
        const pending = new Map<Actor, Pending>();
        for (const cmd of commands) await run(cmd, pending);
      }),
      { numRuns: 250, interruptAfterTimeLimit: 60_000 },
    );
    const health = await fetch(`${server.url}/healthz`);
    expect(health.status).toBe(200);
    console.log(`property: ${calls} tool calls, ${writes} confirmed writes`);
    expect(calls).toBeGreaterThan(1000);
    expect(writes).toBeGreaterThan(10);
  }, 90_000);
});
