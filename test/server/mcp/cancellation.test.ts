import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadSigningKey } from '../../../server/auth/keys.js';
import { CONFIRMATION_META_KEY } from '../../../server/mcp/confirmation.js';
import { InProcessTransport, inProcessTools } from '../../../server/mcp/in-process.js';
import { mcpRouteOptions } from '../../../server/mcp/setup.js';
import type { FakeHubSpot } from '../../fakes/hubspot.js';
import { removeDataDir } from '../../helpers/server.js';
import { type CrmFixture, startCrm } from '../crm/harness.js';
import { errorOf, rows } from './support.js';

/**
 * Cancellation reaches the CRM (docs/architecture.md §4): a `notifications/cancelled` from the client
 * aborts the HubSpot request in flight (the loopback fake holds it with a `slow` fault and counts the
 * ones whose client went away), while a write that has started finishes whole.
 */
let f: CrmFixture;
let fake: FakeHubSpot;
let token: string;

beforeAll(async () => {
  f = await startCrm('hubspot', { timeoutMs: 10_000 });
  fake = f.fake as FakeHubSpot;
  fake.slowMs = 1500;
  token = await f.token(f.alice, ['crm.read', 'crm.ticket.create', 'crm.write', 'crm.contact.update.self']);
});
afterAll(async () => {
  await f.close();
  removeDataDir(f.server.dataDir);
});
beforeEach(() => {
  fake.faults.length = 0;
});

/** Polls `check` until it holds (or fails the test after `ms`): tests wait on conditions, not time. */
async function until(check: () => boolean, what: string, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const audit = (tool: string) =>
  rows<{ outcome: string; error_code: string | null }>(
    f.server,
    'select outcome, error_code from audit_log where tool = ? order by id',
    tool,
  );
const requestsTo = (pattern: RegExp) => fake.requests.filter((r) => pattern.test(r.path)).length;

async function httpClient(): Promise<Client> {
  const client = new Client({ name: 'staff-client', version: '0' });
  await client.connect(
    new StreamableHTTPClientTransport(new URL(`${f.server.url}/mcp`), {
      requestInit: { headers: { authorization: `Bearer ${token}` } },
    }),
  );
  return client;
}

/** Calls a tool, cancels it (the SDK sends notifications/cancelled) once `started` holds; expects the rejection. */
async function callAndCancel(
  client: Client,
  params: { name: string; arguments: Record<string, unknown>; _meta?: Record<string, unknown> },
  started: () => boolean,
): Promise<void> {
  const abort = new AbortController();
  const call = client.callTool(params, undefined, { signal: abort.signal, timeout: 30_000 });
  const settled = call.then(
    () => 'answered',
    (err: Error) => err.message,
  );
  await until(started, 'the CRM request to start');
  abort.abort();
  expect(await settled).toMatch(/abort/i);
}

const subject = () => `Broken hinge ${Math.random().toString(36).slice(2, 8)}`;

/** A confirmation state for creating a ticket with `args`. */
async function confirmationFor(client: Client, args: Record<string, unknown>): Promise<string> {
  const asked = errorOf(
    (await client.callTool({ name: 'create_ticket', arguments: args })) as CallToolResult,
  );
  expect(asked.error).toBe('confirmation_required');
  return asked.confirmation?.state ?? '';
}

describe('cancellation of tool calls (notifications/cancelled)', () => {
  it('aborts a read’s CRM request in flight and records the call as cancelled', async () => {
    const client = await httpClient();
    const before = { abandoned: fake.abandoned, audited: audit('get_customer_info').length };
    const path = new RegExp(`/contacts/${f.alice}$`);
    const sent = requestsTo(path);
    fake.inject('slow', 1, path);
    await callAndCancel(client, { name: 'get_customer_info', arguments: {} }, () => requestsTo(path) > sent);
    await until(() => fake.abandoned > before.abandoned, 'the fake to see its client go');
    await until(() => audit('get_customer_info').length > before.audited, 'the audit row');
    expect(audit('get_customer_info').at(-1)).toEqual({ outcome: 'error', error_code: 'cancelled' });
    // Only the first attempt was made (no retry after a cancellation), and the breaker did not count it.
    expect(requestsTo(path)).toBe(sent + 1);
    const again = (await client.callTool({ name: 'get_customer_info', arguments: {} })) as CallToolResult;
    expect(again.isError).toBeUndefined();
    await client.close();
  });

  it('a write cancelled before it starts writes nothing, and its confirmation still works once', async () => {
    const client = await httpClient();
    const args = { subject: subject(), description: 'It came off in my hand.' };
    const state = await confirmationFor(client, args);
    const tickets = await f.ticketCount();
    const upserts = requestsTo(/batch\/upsert$/);
    const audited = audit('create_ticket').length;
    const abandoned = fake.abandoned;
    const path = new RegExp(`/contacts/${f.alice}$`);
    const sent = requestsTo(path);
    fake.inject('slow', 1, path);
    const meta = { [CONFIRMATION_META_KEY]: state };
    await callAndCancel(
      client,
      { name: 'create_ticket', arguments: args, _meta: meta },
      () => requestsTo(path) > sent,
    );
    await until(() => audit('create_ticket').length > audited, 'the audit row');
    expect(audit('create_ticket').at(-1)).toEqual({ outcome: 'error', error_code: 'cancelled' });
    await until(() => fake.abandoned > abandoned, 'the fake to see its client go');
    expect(await f.ticketCount()).toBe(tickets);
    expect(requestsTo(/batch\/upsert$/)).toBe(upserts);
    const done = (await client.callTool({
      name: 'create_ticket',
      arguments: args,
      _meta: meta,
    })) as CallToolResult;
    expect(done.structuredContent).toMatchObject({ subject: args.subject, created: true });
    expect(await f.ticketCount()).toBe(tickets + 1);
    await client.close();
  });

  it('M3: a write cancelled while in flight finishes whole: one ticket, tied to its customer, audited ok', async () => {
    const client = await httpClient();
    const args = { subject: subject(), description: 'The second hinge too.' };
    const state = await confirmationFor(client, args);
    const tickets = await f.ticketCount();
    const audited = audit('create_ticket').length;
    const abandoned = fake.abandoned;
    // The second of the write's two requests (upsert, then the association with the contact) is slow.
    const path = /\/associations\/default\/contact\//;
    const sent = requestsTo(path);
    fake.inject('slow', 1, path);
    await callAndCancel(
      client,
      { name: 'create_ticket', arguments: args, _meta: { [CONFIRMATION_META_KEY]: state } },
      () => requestsTo(path) > sent,
    );
    await until(() => audit('create_ticket').length > audited, 'the audit row');
    expect(audit('create_ticket').at(-1)).toEqual({ outcome: 'ok', error_code: null });
    expect(fake.abandoned).toBe(abandoned);
    expect(await f.ticketCount()).toBe(tickets + 1);
    const created = [...fake.tickets.values()].filter((t) => t.props.subject === args.subject);
    expect(created.map((t) => t.contacts)).toEqual([[f.alice]]);
    await client.close();
  });

  it('a client that goes away mid-call cancels it like a notifications/cancelled', async () => {
    const before = { abandoned: fake.abandoned, audited: audit('get_customer_info').length };
    const path = new RegExp(`/contacts/${f.alice}$`);
    const sent = requestsTo(path);
    fake.inject('slow', 1, path);
    const gone = new AbortController();
    const post = fetch(`${f.server.url}/mcp`, {
      method: 'POST',
      signal: gone.signal,
      headers: {
        authorization: `Bearer ${token}`,
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
      },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'tools/call',
        params: { name: 'get_customer_info', arguments: {} },
      }),
    }).catch((err: Error) => err.name);
    await until(() => requestsTo(path) > sent, 'the CRM request to start');
    gone.abort();
    expect(await post).toBe('AbortError');
    await until(() => fake.abandoned > before.abandoned, 'the fake to see its client go');
    await until(() => audit('get_customer_info').length > before.audited, 'the audit row');
    expect(audit('get_customer_info').at(-1)).toEqual({ outcome: 'error', error_code: 'cancelled' });
  });

  it('works the same through the in-process transport', async () => {
    const mcp = mcpRouteOptions({
      config: f.server.app.deputy.config,
      store: f.server.app.deputy.store,
      signingKey: await loadSigningKey(f.server.dataDir),
      issuer: () => f.server.url,
      resourceUrl: () => `${f.server.url}/mcp`,
      log: f.server.app.log,
    });
    const client = new Client({ name: 'agent', version: '0' });
    await client.connect(new InProcessTransport(async () => token, mcp));
    const before = { abandoned: fake.abandoned, audited: audit('list_my_tickets').length };
    const path = /\/tickets\/search$/;
    const sent = requestsTo(path);
    fake.inject('slow', 1, path);
    await callAndCancel(client, { name: 'list_my_tickets', arguments: {} }, () => requestsTo(path) > sent);
    await until(() => fake.abandoned > before.abandoned, 'the fake to see its client go');
    await until(() => audit('list_my_tickets').length > before.audited, 'the audit row');
    expect(audit('list_my_tickets').at(-1)).toEqual({ outcome: 'error', error_code: 'cancelled' });
    await client.close();
  });

  it('the agent’s direct in-process tools cancel a call past their timeout, on the server too', async () => {
    const mcp = mcpRouteOptions({
      config: f.server.app.deputy.config,
      store: f.server.app.deputy.store,
      signingKey: await loadSigningKey(f.server.dataDir),
      issuer: () => f.server.url,
      resourceUrl: () => `${f.server.url}/mcp`,
      log: f.server.app.log,
    });
    const tools = inProcessTools(async () => token, mcp, 300);
    const before = { abandoned: fake.abandoned, audited: audit('list_my_tickets').length };
    const path = /\/tickets\/search$/;
    fake.inject('slow', 1, path);
    await expect(tools.callTool('list_my_tickets', {})).rejects.toThrow(
      'MCP error -32001: Request timed out',
    );
    await until(() => fake.abandoned > before.abandoned, 'the fake to see its client go');
    await until(() => audit('list_my_tickets').length > before.audited, 'the audit row');
    expect(audit('list_my_tickets').at(-1)).toEqual({ outcome: 'error', error_code: 'cancelled' });
    const again = await tools.callTool('list_my_tickets', {});
    expect(again.isError).toBeUndefined();
    await tools.close();
    await expect(tools.callTool('list_my_tickets', {})).rejects.toThrow('Not connected');
  });

  it('M3: cancels nothing of another caller’s, whatever request id it names', async () => {
    const client = await httpClient();
    const other = await f.token(f.bob, ['crm.read']);
    const path = new RegExp(`/contacts/${f.alice}$`);
    const sent = requestsTo(path);
    fake.inject('slow', 1, path);
    const call = client.callTool({ name: 'get_customer_info', arguments: {} });
    await until(() => requestsTo(path) > sent, 'the CRM request to start');
    // Bob cancels every small request id; Alice's call is untouched and answers after the slow reply.
    const notes = [0, 1, 2, 3, 4, 5].map((id) => ({
      jsonrpc: '2.0',
      method: 'notifications/cancelled',
      params: { requestId: id },
    }));
    const res = await fetch(`${f.server.url}/mcp`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${other}`,
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
      },
      body: JSON.stringify(notes),
    });
    expect(res.status).toBe(202);
    const result = (await call) as CallToolResult;
    expect(result.structuredContent).toMatchObject({ customer_id: f.alice });
    await client.close();
  });
});
