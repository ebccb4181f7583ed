import { afterAll, beforeAll, expect, it } from 'vitest';
import { DEMO_OPERATOR } from '../../../server/console/plugin.js';
import { postMcp } from '../../helpers/mcp.js';
import {
  authorizeWithForms,
  operatorTokens,
  pkce,
  registerClient,
  tokenRequest,
} from '../../helpers/oauth.js';
import { removeDataDir, startServer, type TestServer } from '../../helpers/server.js';
import { describeStores } from '../../helpers/stores.js';
import { callTool, errorOf } from '../mcp/support.js';

const SAM = { email: DEMO_OPERATOR.email, password: DEMO_OPERATOR.password };
let server: TestServer;

async function listTools(token: string): Promise<{ status: number; names: string[] }> {
  const res = await postMcp(
    server,
    { jsonrpc: '2.0', id: 1, method: 'tools/list', params: {} },
    { authorization: `Bearer ${token}` },
  );
  if (res.status !== 200) return { status: res.status, names: [] };
  const body = (await res.json()) as { result: { tools: { name: string }[] } };
  return { status: 200, names: body.result.tools.map((t) => t.name) };
}

// On both stores: with PostgreSQL any node answers each step (docs/scaling.md, staff OAuth).
describeStores('the staff OAuth flow over HTTP', (kind) => {
  beforeAll(async () => {
    server = await startServer({ store: kind });
  });
  afterAll(async () => {
    await server.close();
    removeDataDir(server.dataDir);
  });

  it('links the authorization server from the protected resource metadata', async () => {
    const prm = (await (await fetch(`${server.url}/.well-known/oauth-protected-resource/mcp`)).json()) as {
      authorization_servers: string[];
      resource: string;
    };
    expect(prm.resource).toBe(`${server.url}/mcp`);
    const as = prm.authorization_servers[0];
    const meta = (await (await fetch(`${as}/.well-known/oauth-authorization-server`)).json()) as Record<
      string,
      unknown
    >;
    expect(meta).toMatchObject({
      issuer: server.url,
      authorization_endpoint: `${server.url}/oauth/authorize`,
      token_endpoint: `${server.url}/oauth/token`,
      registration_endpoint: `${server.url}/oauth/register`,
      revocation_endpoint: `${server.url}/oauth/revoke`,
      code_challenge_methods_supported: ['S256'],
      response_types_supported: ['code'],
    });
  });

  it('gives an operator a token that lists the staff tools and finds a customer', async () => {
    const { accessToken } = await operatorTokens(server, SAM);
    const { names } = await listTools(accessToken);
    expect(names).toEqual([
      'find_customer',
      'get_customer_profile',
      'get_ticket_details',
      'set_ticket_status',
      'comment_on_ticket',
      'list_handoff_queue',
    ]);
    const found = await callTool(server, accessToken, 'find_customer', { query: 'alice' });
    expect(found.structuredContent).toMatchObject({
      customers: [{ customer_id: 'cus_alice', name: 'Alice Martin' }],
    });
    const profile = await callTool(server, accessToken, 'get_customer_profile', { customer_id: 'cus_alice' });
    const tickets = (profile.structuredContent as { tickets: { ticket_id: string }[] }).tickets;
    expect(tickets.length).toBeGreaterThan(0);
    const db = server.app.deputy.store.db;
    const op = await db
      .selectFrom('operators')
      .select('id')
      .where('email', '=', SAM.email)
      .executeTakeFirst();
    const audit = await db
      .selectFrom('audit_log')
      .select(['sub', 'tool', 'outcome'])
      .where('sub', '=', op?.id ?? '')
      .orderBy('id')
      .execute();
    expect(audit.map((a) => a.tool)).toEqual(['find_customer', 'get_customer_profile']);
  });

  it('asks before a write and posts the comment under the operator’s name', async () => {
    const { accessToken } = await operatorTokens(server, SAM);
    const first = errorOf(
      await callTool(server, accessToken, 'comment_on_ticket', {
        ticket_id: 'T-1001',
        body: 'We are on it.',
      }),
    );
    expect(first.error).toBe('confirmation_required');
    const state = first.confirmation?.state ?? '';
    const done = await callTool(server, accessToken, 'comment_on_ticket', {
      ticket_id: 'T-1001',
      body: 'We are on it.',
      confirmation: state,
    });
    expect(done.structuredContent).toMatchObject({ created: true, author_name: 'Sam' });
    const stored = await server.app.deputy.store.db
      .selectFrom('ticket_comments')
      .select(['author', 'author_name'])
      .where('ticket_id', '=', 'T-1001')
      .where('body', '=', 'We are on it.')
      .execute();
    expect(stored).toEqual([{ author: 'agent', author_name: 'Sam' }]);
    // The same confirmation a second time writes nothing.
    const again = errorOf(
      await callTool(server, accessToken, 'comment_on_ticket', {
        ticket_id: 'T-1001',
        body: 'We are on it.',
        confirmation: state,
      }),
    );
    expect(again.error).toBe('confirmation_invalid');
  });

  it('rotates refresh tokens and revokes the chain when a spent one comes back (O4)', async () => {
    const { clientId, refreshToken, accessToken } = await operatorTokens(server, SAM);
    const next = await tokenRequest(server, {
      grant_type: 'refresh_token',
      refresh_token: refreshToken,
      client_id: clientId,
    });
    expect(next.status).toBe(200);
    expect(next.body.refresh_token).not.toBe(refreshToken);
    const reuse = await tokenRequest(server, {
      grant_type: 'refresh_token',
      refresh_token: refreshToken,
      client_id: clientId,
    });
    expect(reuse).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
    // The whole grant is gone: the newest refresh token and every access token of it.
    const newest = await tokenRequest(server, {
      grant_type: 'refresh_token',
      refresh_token: String(next.body.refresh_token),
      client_id: clientId,
    });
    expect(newest).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
    expect((await listTools(accessToken)).status).toBe(401);
    expect((await listTools(String(next.body.access_token))).status).toBe(401);
  });

  it('refuses a code used twice and revokes what the first use issued (O3)', async () => {
    const { clientId, redirectUri } = await registerClient(server);
    const { verifier, challenge } = pkce();
    const back = await authorizeWithForms(server, { clientId, redirectUri, challenge, ...SAM });
    const form = {
      grant_type: 'authorization_code',
      code: back.searchParams.get('code') ?? '',
      redirect_uri: redirectUri,
      client_id: clientId,
      code_verifier: verifier,
    };
    const first = await tokenRequest(server, form);
    expect(first.status).toBe(200);
    const second = await tokenRequest(server, form);
    expect(second).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
    expect((await listTools(String(first.body.access_token))).status).toBe(401);
  });

  it('says Deny back to the client as access_denied with its state, and issues nothing', async () => {
    const { clientId, redirectUri } = await registerClient(server);
    const back = await authorizeWithForms(server, {
      clientId,
      redirectUri,
      challenge: pkce().challenge,
      ...SAM,
      decision: 'deny',
      state: 'xyz',
    });
    expect(back.searchParams.get('error')).toBe('access_denied');
    expect(back.searchParams.get('state')).toBe('xyz');
    expect(back.searchParams.get('code')).toBeNull();
  });
});
