import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import {
  isJSONRPCNotification,
  isJSONRPCRequest,
  type JSONRPCMessage,
  JSONRPCMessageSchema,
  type JSONRPCNotification,
  type JSONRPCRequest,
  type PingRequestSchema,
} from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSigningKey } from '../../../server/auth/keys.js';
import { DEMO_OPERATOR } from '../../../server/console/plugin.js';
import type { McpCaller } from '../../../server/mcp/auth.js';
import { CONFIRMATION_META_KEY } from '../../../server/mcp/confirmation.js';
import { type Answer, answerRequest, parsePost } from '../../../server/mcp/dispatch.js';
import { InFlight } from '../../../server/mcp/in-flight.js';
import {
  CAPABILITIES,
  type CrmServerDeps,
  INSTRUCTIONS,
  methodsFor,
  SERVER_INFO,
} from '../../../server/mcp/server.js';
import { mcpRouteOptions } from '../../../server/mcp/setup.js';
import { operatorTokens } from '../../helpers/oauth.js';
import { removeDataDir, startServer, type TestServer } from '../../helpers/server.js';
import { dbHash, tokenWith, visitor } from './support.js';

/**
 * The dispatcher answers every request exactly as an SDK Server built per request did before it
 * (docs/architecture.md §7): the oracle below is that construction, with the same method handlers
 * registered through the SDK's setRequestHandler and driven through a one-request transport. Every
 * method, every refusal of the protocol layer (unknown method, a request that breaks its schema,
 * task-augmented execution, handler errors), log notifications and cancellation are compared.
 */
let server: TestServer;
let deps: CrmServerDeps;
let verify: (token: string) => Promise<McpCaller>;

beforeAll(async () => {
  server = await startServer();
  const mcp = mcpRouteOptions({
    config: server.app.deputy.config,
    store: server.app.deputy.store,
    signingKey: await loadSigningKey(server.dataDir),
    issuer: () => server.url,
    resourceUrl: () => `${server.url}/mcp`,
    log: server.app.log,
  });
  deps = mcp.deps;
  verify = async (token) => {
    const verified = await mcp.verifier.verify(`Bearer ${token}`);
    if (!verified.ok) throw new Error(verified.failure.description);
    return verified.caller;
  };
});
afterAll(async () => {
  await server.close();
  removeDataDir(server.dataDir);
});

/** The server side of one request: hands the message in, passes what the server sends back out. */
class OneRequest implements Transport {
  onmessage?: Transport['onmessage'];
  onclose?: () => void;
  onerror?: (error: Error) => void;
  constructor(private readonly sent: (message: JSONRPCMessage) => void) {}
  async start(): Promise<void> {}
  async send(message: JSONRPCMessage): Promise<void> {
    this.sent(message);
  }
  async close(): Promise<void> {
    this.onclose?.();
  }
}

/** The oracle: an SDK Server built for this caller and request, as dispatch.ts did before. */
function sdkAnswer(caller: McpCaller, request: JSONRPCRequest, abort?: AbortSignal): Promise<Answer> {
  const sdk = new Server(SERVER_INFO, {
    capabilities: structuredClone(CAPABILITIES),
    instructions: INSTRUCTIONS,
  });
  for (const [method, m] of methodsFor(caller)) {
    // The SDK's own: the handshake and ping.
    if (method === 'initialize' || method === 'ping') continue;
    sdk.setRequestHandler(
      m.schema as typeof PingRequestSchema,
      (req, extra) =>
        m.handle(req, {
          caller,
          deps,
          signal: extra.signal,
          sendNotification: extra.sendNotification,
        }) as never,
    );
  }
  const notifications: JSONRPCNotification[] = [];
  return new Promise<Answer>((resolve) => {
    let settled = false;
    let delivered = false;
    const settle = (response: JSONRPCMessage | null) => {
      if (settled) return;
      settled = true;
      deps.inFlight.untrack(key, tracked);
      resolve({ notifications, response });
    };
    const transport = new OneRequest((message) => {
      if (settled) return;
      if (isJSONRPCNotification(message)) notifications.push(message);
      else if (!isJSONRPCRequest(message)) settle(message);
    });
    const cancel = () => {
      if (delivered) {
        transport.onmessage?.({
          jsonrpc: '2.0',
          method: 'notifications/cancelled',
          params: { requestId: request.id, reason: 'cancelled by the client' },
        });
      }
      settle(null);
    };
    const key = InFlight.key(caller, request.id);
    const tracked = { cancel };
    deps.inFlight.track(key, tracked);
    if (abort?.aborted) return cancel();
    void sdk.connect(transport).then(() => {
      if (settled) return;
      delivered = true;
      transport.onmessage?.(request);
    });
  });
}

let nextId = 1;
const request = (method: string, params?: unknown): JSONRPCRequest =>
  ({ jsonrpc: '2.0', id: nextId++, method, ...(params === undefined ? {} : { params }) }) as JSONRPCRequest;

/** An answer without what differs between two runs: the request id, fresh confirmations, timings. */
function normal(answer: Answer | null): unknown {
  const text = JSON.stringify(answer)
    .replace(/("id":)\d+/g, '$10')
    .replace(/("ms":)\d+/g, '$10')
    .replace(/("state\\?":\\?")[^"\\]+/g, '$1…')
    .replace(/("expires_at\\?":\\?")[^"\\]+/g, '$1…')
    .replace(/v1\.[\w-]+\.[\w-]+/g, 'v1.…');
  return JSON.parse(text);
}

/** Sends one request to the dispatcher and to the oracle; the answers (text, key order included) must match. */
async function same(caller: McpCaller, method: string, params?: unknown): Promise<Answer> {
  // Only what /mcp and the in-process transport let through reaches the dispatcher (parsePost).
  expect(JSONRPCMessageSchema.safeParse(request(method, params)).success).toBe(true);
  const within = <T>(p: Promise<T>, who: string) =>
    Promise.race([
      p,
      new Promise<never>((_, reject) =>
        setTimeout(
          () => reject(new Error(`${who} gave no answer to ${method} ${JSON.stringify(params)}`)),
          5000,
        ),
      ),
    ]);
  const ours = await within(answerRequest(caller, deps, request(method, params)), 'the dispatcher');
  const theirs = await within(sdkAnswer(caller, request(method, params)), 'the SDK');
  expect(JSON.stringify(normal(ours)), `${method} ${JSON.stringify(params)}`).toBe(
    JSON.stringify(normal(theirs)),
  );
  return ours;
}

const init = (protocolVersion: unknown) => ({
  protocolVersion,
  capabilities: {},
  clientInfo: { name: 'test', version: '0' },
});

/** Requests every caller sends: the protocol layer's answers and refusals. */
const COMMON: [string, unknown?][] = [
  ['initialize', init('2025-06-18')],
  ['initialize', init('2024-11-05')],
  ['initialize', init('1999-01-01')],
  ['initialize', { protocolVersion: '2025-06-18' }],
  ['initialize'],
  ['ping'],
  ['ping', { _meta: { progressToken: 7 } }],
  ['tools/list'],
  ['tools/list', { cursor: 'abc' }],
  ['tools/list', { task: { ttl: 1000 } }],
  ['prompts/list'],
  ['prompts/get', { name: 'x' }],
  ['prompts/get', {}],
  ['resources/list'],
  ['resources/templates/list'],
  ['resources/read', { uri: 'deputy://customers/cus_bob' }],
  ['resources/read', {}],
  ['logging/setLevel', { level: 'loud' }],
  ['logging/setLevel', {}],
  ['completion/complete', { ref: { type: 'ref/prompt', name: 'x' }, argument: { name: 'a', value: 'b' } }],
  ['tasks/get', { taskId: 'x' }],
  ['sampling/createMessage', {}],
  ['no/such/method'],
  ['tools/call'],
  ['tools/call', { name: 5 }],
  ['tools/call', { name: 'get_customer_info', arguments: ['x'] }],
  ['tools/call', { name: 'get_customer_info', arguments: {}, task: { ttl: 5 } }],
  ['tools/call', { name: 'get_customer_info', arguments: {}, task: 'soon' }],
  ['tools/call', { name: 'get_customer_info', arguments: {}, _meta: { progressToken: 'p' } }],
  ['tools/call', { name: 'drop_all_tables', arguments: {} }],
];

const VISITOR_CALLS: [string, Record<string, unknown>][] = [
  ['get_customer_info', {}],
  ['get_ticket_status', { ticket_id: 'T-1001' }],
  ['get_ticket_status', { ticket_id: 'T-2001' }],
  ['get_ticket_status', { ticket_id: 'nope' }],
  ['get_ticket_status', { ticket_id: 'T-1001', customer_id: 'cus_bob' }],
  ['list_my_tickets', { status: 'open', limit: 2 }],
  ['list_my_tickets', { limit: 'all' }],
  ['update_phone_number', { phone: '+1 212 555 0100' }],
  ['update_phone_number', { phone: 'call me' }],
  ['create_ticket', { subject: 'Broken hinge', description: 'It came off.' }],
  ['create_ticket', { subject: '' }],
  ['add_ticket_comment', { ticket_id: 'T-1001', body: 'Any news?' }],
  ['add_ticket_comment', { ticket_id: 'T-2001', body: 'Not mine' }],
];

const STAFF_CALLS: [string, Record<string, unknown>][] = [
  ['find_customer', { query: 'alice', limit: 5 }],
  ['get_customer_profile', { customer_id: 'cus_alice', ticket_limit: 2 }],
  ['get_customer_profile', { customer_id: 'cus_nobody' }],
  ['get_ticket_details', { ticket_id: 'T-1001', comment_limit: 3 }],
  ['list_handoff_queue', { limit: 10 }],
  ['set_ticket_status', { ticket_id: 'T-1001', status: 'solved' }],
  ['set_ticket_status', { ticket_id: 'T-1001', status: 'gone' }],
  ['comment_on_ticket', { ticket_id: 'T-1001', body: 'We are on it.' }],
  ['get_customer_info', {}],
];

describe('the dispatcher answers as an SDK Server built per request (docs/architecture.md §7)', () => {
  it('for visitors, anonymous visitors and staff tokens: every method, tool and refusal', async () => {
    const callers = [
      await verify(await visitor(server, 'cus_alice')),
      await verify(await visitor(server, 'cus_bob', ['crm.read'])),
      await verify(await tokenWith(server, { sub: 'anon:abc', scopes: ['crm.ticket.create'] })),
      await verify(await tokenWith(server, { sub: 'cus_alice', scopes: ['crm.read', 'crm.any'] })),
    ];
    const before = dbHash(server);
    for (const caller of callers) {
      for (const [method, params] of COMMON) await same(caller, method, params);
      for (const [name, args] of VISITOR_CALLS) await same(caller, 'tools/call', { name, arguments: args });
      await same(caller, 'tools/call', {
        name: 'update_phone_number',
        arguments: { phone: '+1 212 555 0100' },
        _meta: { [CONFIRMATION_META_KEY]: 'v1.forged.state' },
      });
    }
    expect(dbHash(server)).toBe(before);
    // Not merely alike: the answers are the ones expected.
    const alice = callers[0] as McpCaller;
    expect((await same(alice, 'no/such/method')).response).toMatchObject({
      error: { code: -32601, message: 'Method not found' },
    });
    expect((await same(alice, 'initialize', init('1999-01-01'))).response).toMatchObject({
      result: { protocolVersion: '2025-11-25', serverInfo: SERVER_INFO },
    });
    expect(JSON.stringify(await same(alice, 'tools/call', { name: 5 }))).toContain('-32603');
  });

  it('for an operator: the staff tools and resources', async () => {
    const { accessToken } = await operatorTokens(server, {
      email: DEMO_OPERATOR.email,
      password: DEMO_OPERATOR.password,
    });
    const operator = await verify(accessToken);
    expect(operator.operator).not.toBeNull();
    const before = dbHash(server);
    for (const [method, params] of COMMON) await same(operator, method, params);
    for (const [name, args] of STAFF_CALLS) await same(operator, 'tools/call', { name, arguments: args });
    for (const uri of [
      'deputy://customers/cus_alice',
      'deputy://customers/cus_alice/tickets',
      'deputy://customers/cus_nobody',
      'https://example.test/',
    ]) {
      await same(operator, 'resources/read', { uri });
    }
    expect(dbHash(server)).toBe(before);
  });

  it('log messages: sent at or above the level set, dropped for a task-related request', async () => {
    const caller = await verify(await tokenWith(server, { sub: 'cus_alice', scopes: ['crm.read'] }));
    deps.logLevels.set(caller, 'debug');
    const call = { name: 'get_ticket_status', arguments: { ticket_id: 'T-1001' } };
    expect((await same(caller, 'tools/call', call)).notifications).toHaveLength(1);
    await same(caller, 'tools/call', { name: 'drop_all_tables', arguments: {} });
    const related = { ...call, _meta: { 'io.modelcontextprotocol/related-task': { taskId: 't1' } } };
    expect((await same(caller, 'tools/call', related)).notifications).toHaveLength(0);
    deps.logLevels.set(caller, 'error');
    expect((await same(caller, 'tools/call', call)).notifications).toHaveLength(0);
  });

  it('never sees a message the SDK’s JSON-RPC schema refuses: /mcp answers those 400 first', () => {
    const headers = { accept: 'application/json, text/event-stream' };
    for (const bad of [
      request('ping', { _meta: { progressToken: 1.5 } }),
      request('tools/call', { name: 'x', _meta: { progressToken: {} } }),
      { jsonrpc: '2.0', id: 1.5, method: 'ping' },
      { jsonrpc: '1.0', id: 1, method: 'ping' },
      { jsonrpc: '2.0', id: 1, method: 'ping', extra: true },
    ]) {
      expect(parsePost(headers, bad)).toMatchObject({ ok: false, status: 400, code: -32700 });
    }
    // Its hand-checked common form accepts exactly what the schema accepts, and yields the same message.
    for (const id of [1, 0, -7, 'a', '', 1.5, 2 ** 60, null, undefined, true]) {
      for (const params of [
        undefined,
        {},
        { name: 'x', arguments: {} },
        [],
        null,
        'p',
        { _meta: {} },
        { _meta: { progressToken: 1.5 } },
      ]) {
        for (const extra of [{}, { jsonrpc: '1.0' }, { method: 5 }, { result: {} }, { other: 1 }]) {
          // As it arrives: parsed JSON (no undefined).
          const m: unknown = JSON.parse(
            JSON.stringify({
              jsonrpc: '2.0',
              id,
              method: 'tools/call',
              ...(params === undefined ? {} : { params }),
              ...extra,
            }),
          );
          const schema = JSONRPCMessageSchema.safeParse(m);
          const post = parsePost(headers, m);
          expect(post.ok, JSON.stringify(m)).toBe(schema.success);
          if (post.ok && schema.success) expect(post.messages).toEqual([schema.data]);
        }
      }
    }
    const batch = [request('ping'), { jsonrpc: '2.0', method: 'notifications/initialized' }];
    expect(parsePost(headers, batch)).toMatchObject({ ok: true, batch: true });
    expect(parsePost(headers, [request('initialize', init('2025-06-18')), request('ping')])).toMatchObject({
      ok: false,
      status: 400,
      code: -32600,
    });
  });

  it('cancellation: before it starts, or by notifications/cancelled while it runs, nothing is answered', async () => {
    const caller = await verify(await visitor(server, 'cus_alice'));
    const gone = new AbortController();
    gone.abort();
    const call = { name: 'list_my_tickets', arguments: {} };
    expect(await answerRequest(caller, deps, request('tools/call', call), gone.signal)).toEqual({
      notifications: [],
      response: null,
    });
    expect(await sdkAnswer(caller, request('tools/call', call), gone.signal)).toEqual({
      notifications: [],
      response: null,
    });
    for (const answer of [
      answerRequest,
      (c: McpCaller, _d: CrmServerDeps, r: JSONRPCRequest) => sdkAnswer(c, r),
    ]) {
      const r = request('tools/call', call);
      const pending = answer(caller, deps, r);
      expect(deps.inFlight.cancel(caller, r.id)).toBe(1);
      expect((await pending).response).toBeNull();
    }
  });
});
