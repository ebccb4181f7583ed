import { McpError } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSigningKey } from '../../../server/auth/keys.js';
import { DEMO_OPERATOR } from '../../../server/console/plugin.js';
import { CONFIRMATION_META_KEY } from '../../../server/mcp/confirmation.js';
import { InProcessTransport, inProcessTools } from '../../../server/mcp/in-process.js';
import { mcpRouteOptions } from '../../../server/mcp/setup.js';
import { postMcp } from '../../helpers/mcp.js';
import { operatorTokens } from '../../helpers/oauth.js';
import { removeDataDir, startServer, type TestServer } from '../../helpers/server.js';
import { visitorToken } from '../../helpers/tokens.js';
import { dbHash, rows, tokenWith, visitor } from './support.js';

/**
 * The in-process path (the embedded default, docs/architecture.md §7) answers exactly what `/mcp`
 * answers over HTTP: the same token checks, the same argument validation, the same results and
 * refusals, for every visitor tool and every staff tool. Both in-process forms are held to it: the
 * transport an SDK client uses and the direct tools the agent uses.
 */
let server: TestServer;
let mcp: ReturnType<typeof mcpRouteOptions>;

beforeAll(async () => {
  server = await startServer();
  mcp = mcpRouteOptions({
    config: server.app.deputy.config,
    store: server.app.deputy.store,
    signingKey: await loadSigningKey(server.dataDir),
    issuer: () => server.url,
    resourceUrl: () => `${server.url}/mcp`,
    log: server.app.log,
  });
});
afterAll(async () => {
  await server.close();
  removeDataDir(server.dataDir);
});

type Message = Record<string, unknown>;
let nextId = 1;

/** The JSON-RPC messages a client reads from one POST (JSON or event stream) and the status. */
async function overHttp(
  token: string,
  method: string,
  params: unknown,
): Promise<{ status: number; auth: string | null; messages: Message[] }> {
  const res = await postMcp(
    server,
    { jsonrpc: '2.0', id: nextId++, method, params },
    { authorization: `Bearer ${token}` },
  );
  const text = await res.text();
  const messages = res.headers.get('content-type')?.startsWith('text/event-stream')
    ? [...text.matchAll(/^data: (.*)$/gm)].map((m) => JSON.parse(m[1] ?? '{}') as Message)
    : [JSON.parse(text) as Message];
  return { status: res.status, auth: res.headers.get('www-authenticate'), messages };
}

/** The messages the in-process transport delivers for the same request. */
async function throughTransport(token: string, method: string, params: unknown): Promise<Message[]> {
  const transport = new InProcessTransport(async () => token, mcp);
  const got: Message[] = [];
  transport.onmessage = (m) => got.push(m as Message);
  await transport.send({ jsonrpc: '2.0', id: nextId++, method, params } as never);
  return got;
}

/** What the agent's direct tools answer: the result, or the McpError thrown. */
async function direct(
  token: string,
  method: 'tools/list' | 'tools/call',
  params: { name?: string; arguments?: Record<string, unknown>; _meta?: Record<string, unknown> },
): Promise<{ result: unknown } | { error: McpError }> {
  const tools = inProcessTools(async () => token, mcp);
  try {
    const result =
      method === 'tools/list'
        ? { tools: await tools.listTools() }
        : await tools.callTool(params.name ?? '', params.arguments ?? {}, params._meta);
    return { result };
  } catch (err) {
    expect(err).toBeInstanceOf(McpError);
    return { error: err as McpError };
  } finally {
    await tools.close();
  }
}

/**
 * A message without what differs between two answers to the same call: the request id, and a fresh
 * confirmation's state and expiry (signed at the time of the call).
 */
function normal(message: unknown): unknown {
  const text = JSON.stringify(message)
    .replace(/("state\\?":\\?")[^"\\]+/g, '$1…')
    .replace(/("expires_at\\?":\\?")[^"\\]+/g, '$1…')
    .replace(/("ms":)\d+/g, '$10')
    .replace(/v1\.[\w-]+\.[\w-]+/g, 'v1.…');
  const out = JSON.parse(text) as Message;
  if (out && typeof out === 'object' && 'id' in out) out.id = 0;
  return out;
}

/** Asserts that all three paths give the same answer to one request; returns the HTTP answer. */
async function same(token: string, method: string, params: Record<string, unknown>): Promise<Message> {
  const http = await overHttp(token, method, params);
  const transport = await throughTransport(token, method, params);
  let answer: Message;
  if (http.status === 401 || http.status === 403) {
    // HTTP refuses before JSON-RPC: the status, the body's code, and the reason in WWW-Authenticate.
    const body = http.messages[0] as { error: { code: number; message: string } };
    const reason = /error_description="([^"]*)"/.exec(http.auth ?? '')?.[1];
    const message = http.status === 401 ? `Unauthorized: ${reason}` : body.error.message;
    expect(transport).toEqual([
      { jsonrpc: '2.0', id: expect.any(Number), error: { code: body.error.code, message } },
    ]);
    answer = { jsonrpc: '2.0', id: 0, error: { code: body.error.code, message } };
  } else {
    expect(http.status).toBe(200);
    expect(transport.map(normal)).toEqual(http.messages.map(normal));
    answer = http.messages.at(-1) as Message;
  }
  if (method === 'tools/list' || (method === 'tools/call' && expressible(params))) {
    const got = await direct(token, method, params);
    if ('result' in answer) {
      expect('result' in got && normal(got.result)).toEqual(normal(answer.result));
    } else {
      const { code, message } = answer.error as { code: number; message: string };
      expect('error' in got && { code: got.error.code, message: got.error.message }).toEqual({
        code,
        message: `MCP error ${code}: ${message}`,
      });
    }
  }
  return answer;
}

/** Whether the agent's tools can make this call at all (a name, an arguments object, maybe `_meta`). */
function expressible(params: Record<string, unknown>): boolean {
  const { name, arguments: args, _meta, ...rest } = params;
  return (
    typeof name === 'string' &&
    typeof args === 'object' &&
    args !== null &&
    !Array.isArray(args) &&
    Object.keys(rest).length === 0
  );
}

const call = (name: string, args: Record<string, unknown> = {}, meta?: Record<string, unknown>) => ({
  name,
  arguments: args,
  ...(meta ? { _meta: meta } : {}),
});

describe('the in-process path answers exactly what /mcp answers (docs/architecture.md §7)', () => {
  it('every visitor tool, and the refusals of a call: unknown tool, bad arguments, not the owner, scope, confirmation', async () => {
    const alice = await visitor(server, 'cus_alice');
    const bob = await visitor(server, 'cus_bob');
    const reader = await visitor(server, 'cus_alice', ['crm.read']);
    const before = dbHash(server);
    const answers: Message[] = [];
    for (const [token, params] of [
      [alice, call('get_customer_info')],
      [alice, call('get_ticket_status', { ticket_id: 'T-1001' })],
      [alice, call('list_my_tickets', { status: 'open', limit: 5 })],
      [alice, call('update_phone_number', { phone: '+1 212 555 0100' })],
      [alice, call('create_ticket', { subject: 'Broken hinge', description: 'It came off.' })],
      [alice, call('add_ticket_comment', { ticket_id: 'T-1001', body: 'Any news?' })],
      [bob, call('get_ticket_status', { ticket_id: 'T-1001' })],
      [bob, call('add_ticket_comment', { ticket_id: 'T-1001', body: 'Not mine' })],
      [alice, call('drop_all_tables')],
      [alice, call('get_ticket_status', { ticket_id: "T-1'; --" })],
      [alice, call('get_ticket_status', { ticket_id: 'T-1001', customer_id: 'cus_bob' })],
      [alice, call('update_phone_number', { phone: 'call me maybe' })],
      [reader, call('update_phone_number', { phone: '+1 212 555 0100' })],
      [alice, call('update_phone_number', { phone: '+1 212 555 0100' }, { [CONFIRMATION_META_KEY]: 'x.y' })],
      [alice, { name: 'get_ticket_status', arguments: ['T-1001'] }],
      [alice, { arguments: {} }],
      [alice, { ...call('get_ticket_status', { ticket_id: 'T-1001' }), task: { ttl: 1000 } }],
    ] as const) {
      answers.push(await same(token, 'tools/call', params));
    }
    // Nothing was written by any of them; the answers are what they should be, not merely alike.
    expect(dbHash(server)).toBe(before);
    const texts = answers.map((a) => JSON.stringify(a));
    expect(texts[0]).toContain('cus_alice');
    expect(texts[3]).toContain('confirmation_required');
    expect(texts[6]).toContain('not_found');
    expect(texts[8]).toContain('unknown_tool');
    expect(texts[9]).toContain('invalid_argument');
    expect(texts[12]).toContain('insufficient_scope');
    expect(texts[14]).toContain('"code":-32603');
    expect(texts[16]).toContain('does not support task creation');
  });

  it('the listings, and the other methods an SDK client may send', async () => {
    const alice = await visitor(server, 'cus_alice');
    const anonymous = await tokenWith(server, { sub: 'anon:abc', scopes: ['crm.ticket.create'] });
    expect(((await same(alice, 'tools/list', {})).result as { tools: unknown[] }).tools).toHaveLength(6);
    await same(anonymous, 'tools/list', {});
    for (const [method, params] of [
      [
        'initialize',
        { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 't', version: '0' } },
      ],
      [
        'initialize',
        { protocolVersion: '1999-01-01', capabilities: {}, clientInfo: { name: 't', version: '0' } },
      ],
      ['ping', {}],
      ['prompts/list', {}],
      ['prompts/get', { name: 'x' }],
      ['resources/list', {}],
      ['resources/templates/list', {}],
      ['resources/read', { uri: 'deputy://customers/cus_bob' }],
      ['logging/setLevel', { level: 'loud' }],
      ['completion/complete', {}],
      ['no/such/method', {}],
    ] as const) {
      await same(alice, method, params);
    }
    expect((await same(alice, 'no/such/method', {})).error).toEqual({
      code: -32601,
      message: 'Method not found',
    });
  });

  it('log messages of a call, once the caller asked for them', async () => {
    const alice = await visitor(server, 'cus_alice');
    await same(alice, 'logging/setLevel', { level: 'debug' });
    const http = await overHttp(alice, 'tools/call', call('get_ticket_status', { ticket_id: 'T-1001' }));
    const transport = await throughTransport(
      alice,
      'tools/call',
      call('get_ticket_status', { ticket_id: 'T-1001' }),
    );
    expect(http.messages[0]).toMatchObject({ method: 'notifications/message', params: { level: 'info' } });
    expect(transport.map(normal)).toEqual(http.messages.map(normal));
    await same(alice, 'logging/setLevel', { level: 'emergency' });
  });

  it('refuses the same tokens for the same reasons: bad, expired, wrong audience, not an MCP token, no scope', async () => {
    const before = dbHash(server);
    const phone = call('update_phone_number', { phone: '+1 212 555 0100' });
    for (const token of [
      'not.a.token',
      await tokenWith(server, { sub: 'cus_alice', scopes: ['crm.read'] }, { ttlSeconds: -60 }),
      await tokenWith(
        server,
        { sub: 'cus_alice', scopes: ['crm.read'] },
        { audience: 'https://elsewhere.test/mcp' },
      ),
      await tokenWith(server, { sub: 'cus_alice', scopes: ['crm.read'] }, { issuer: 'https://evil.test' }),
      await visitorToken(server.dataDir, 'cus_alice'),
    ]) {
      const answer = await same(token, 'tools/call', phone);
      expect((answer.error as { code: number }).code).toBe(-32001);
      await same(token, 'tools/list', {});
    }
    const none = await tokenWith(server, { sub: 'cus_alice', scopes: [] });
    expect((await same(none, 'tools/call', phone)).error).toEqual({
      code: -32003,
      message: 'Insufficient scope',
    });
    await same(none, 'tools/list', {});
    expect(dbHash(server)).toBe(before);
  });

  it('a confirmed write: the same change, and a state used once is refused the same way on either path', async () => {
    const bob = await visitor(server, 'cus_bob');
    const phoneOf = () =>
      rows<{ phone: string }>(server, "select phone from customers where id = 'cus_bob'")[0]?.phone;
    const original = phoneOf();
    const stateFor = async (phone: string) => {
      const asked = await overHttp(bob, 'tools/call', call('update_phone_number', { phone }));
      const text =
        (asked.messages[0] as { result: { content: { text: string }[] } }).result.content[0]?.text ?? '';
      return (JSON.parse(text) as { confirmation: { state: string } }).confirmation.state;
    };
    const confirmed = (phone: string, state: string) =>
      call('update_phone_number', { phone }, { [CONFIRMATION_META_KEY]: state });
    // Over HTTP, then back, then in process: the same answer for the same change.
    const first = await stateFor('+1 415 555 0199');
    const overHttpDone = await overHttp(bob, 'tools/call', confirmed('+1 415 555 0199', first));
    expect(phoneOf()).toBe('+14155550199');
    const back = await stateFor(original ?? '');
    await overHttp(bob, 'tools/call', confirmed(original ?? '', back));
    expect(phoneOf()).toBe(original);
    const second = await stateFor('+1 415 555 0199');
    const tools = inProcessTools(async () => bob, mcp);
    const inProcessDone = await tools.callTool(
      'update_phone_number',
      { phone: '+1 415 555 0199' },
      {
        [CONFIRMATION_META_KEY]: second,
      },
    );
    expect(phoneOf()).toBe('+14155550199');
    expect(inProcessDone).toEqual((overHttpDone.messages[0] as { result: unknown }).result);
    const restore = await stateFor(original ?? '');
    await overHttp(bob, 'tools/call', confirmed(original ?? '', restore));
    // Replays: each path refuses a consumed state, the same way, and writes nothing.
    const replayed = await same(bob, 'tools/call', confirmed('+1 415 555 0199', first));
    expect(JSON.stringify(replayed)).toContain('confirmation_invalid');
    await same(bob, 'tools/call', confirmed('+1 415 555 0199', second));
    expect(phoneOf()).toBe(original);
    await tools.close();
  });

  it('every staff tool and resource for an operator, and a revoked grant refused on both', async () => {
    const { accessToken, clientId } = await operatorTokens(server, {
      email: DEMO_OPERATOR.email,
      password: DEMO_OPERATOR.password,
    });
    const before = dbHash(server);
    for (const params of [
      call('find_customer', { query: 'alice', limit: 5 }),
      call('get_customer_profile', { customer_id: 'cus_alice', ticket_limit: 2 }),
      call('get_customer_profile', { customer_id: 'cus_nobody' }),
      call('get_ticket_details', { ticket_id: 'T-1001', comment_limit: 3 }),
      call('list_handoff_queue', { limit: 10 }),
      call('set_ticket_status', { ticket_id: 'T-1001', status: 'solved' }),
      call('comment_on_ticket', { ticket_id: 'T-1001', body: 'We are on it.' }),
      call('set_ticket_status', { ticket_id: 'T-1001', status: 'gone' }),
      call('get_customer_info'),
    ]) {
      await same(accessToken, 'tools/call', params);
    }
    expect(dbHash(server)).toBe(before);
    expect(((await same(accessToken, 'tools/list', {})).result as { tools: unknown[] }).tools).toHaveLength(
      6,
    );
    for (const [method, params] of [
      ['resources/templates/list', {}],
      ['resources/list', {}],
      ['resources/read', { uri: 'deputy://customers/cus_alice' }],
      ['resources/read', { uri: 'deputy://customers/cus_alice/tickets' }],
      ['resources/read', { uri: 'deputy://customers/cus_nobody' }],
    ] as const) {
      await same(accessToken, method, params);
    }
    const revoked = await fetch(`${server.url}/oauth/revoke`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: accessToken, client_id: clientId }).toString(),
    });
    expect(revoked.status).toBe(200);
    const refused = await same(accessToken, 'tools/call', call('find_customer', { query: 'alice' }));
    expect(refused.error).toEqual({ code: -32001, message: 'Unauthorized: grant revoked' });
  });
});
