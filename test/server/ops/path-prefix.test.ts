// Deputy under a path prefix (docs/operations.md, "Under a path prefix"): nginx with the doc's
// locations strips `/deputy`, DEPUTY_PUBLIC_URL carries it. A staff MCP client discovers the
// authorization server the way RFC 9728 and RFC 8414 say, signs in through the forms and calls the
// tools; the console's page, assets, cookie, API and socket, and the visitor socket, all work there.
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_OPERATOR } from '../../../server/console/plugin.js';
import { pkce } from '../../helpers/oauth.js';
import { removeDataDir, startServer, type TestServer } from '../../helpers/server.js';
import { visitorToken } from '../../helpers/tokens.js';
import { TestSocket } from '../../helpers/ws-client.js';
import { freePort } from './child-server.js';
import { type Nginx, nginxMissing, prefixConfig, startNginx } from './nginx.js';

const missing = nginxMissing();
if (missing && process.env.CI === 'true')
  throw new Error(`CI=true but ${missing}: the path-prefix test never skips in CI`);
if (missing) console.warn(`path-prefix test skipped: ${missing}`);

/** The value of `name` in a WWW-Authenticate challenge. */
const param = (header: string, name: string) => new RegExp(`${name}="([^"]+)"`).exec(header)?.[1] ?? '';

describe.skipIf(missing !== null)('Deputy under a path prefix behind nginx', () => {
  let server: TestServer;
  let lb: Nginx;
  let base: string;
  let origin: string;

  beforeAll(async () => {
    const port = await freePort();
    origin = `http://127.0.0.1:${port}`;
    base = `${origin}/deputy`;
    server = await startServer({ env: { DEPUTY_PUBLIC_URL: base } });
    // server.url is the public URL (through nginx); the node itself listens on its own port.
    const node = (server.app.server.address() as AddressInfo).port;
    lb = await startNginx(port, prefixConfig(port, node), '/deputy/readyz');
  }, 60_000);

  afterAll(async () => {
    await lb?.stop();
    await server?.close();
    if (server) removeDataDir(server.dataDir);
  });

  it('lets a staff MCP client discover, sign in and call tools, as RFC 9728 and RFC 8414 say', async () => {
    // 1. The resource answers 401 and names its metadata, which reaches Deputy through the prefix.
    const unauthorized = await fetch(`${base}/mcp`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
    });
    expect(unauthorized.status).toBe(401);
    const prmUrl = param(unauthorized.headers.get('www-authenticate') ?? '', 'resource_metadata');
    expect(prmUrl).toBe(`${base}/.well-known/oauth-protected-resource/mcp`);
    const prm = (await (await fetch(prmUrl)).json()) as { resource: string; authorization_servers: string[] };
    expect(prm).toMatchObject({ resource: `${base}/mcp`, authorization_servers: [base] });
    // RFC 9728's own form (the well-known segment before the path) answers the same.
    const inserted = await fetch(`${origin}/.well-known/oauth-protected-resource/deputy/mcp`);
    expect(inserted.status).toBe(200);
    expect(await inserted.json()).toEqual(prm);

    // 2. RFC 8414: the issuer's path goes after the well-known segment.
    const issuer = new URL(prm.authorization_servers[0] as string);
    const as = await fetch(`${issuer.origin}/.well-known/oauth-authorization-server${issuer.pathname}`);
    expect(as.status).toBe(200);
    const meta = (await as.json()) as Record<string, string>;
    expect(meta).toMatchObject({
      issuer: base,
      authorization_endpoint: `${base}/oauth/authorize`,
      token_endpoint: `${base}/oauth/token`,
      registration_endpoint: `${base}/oauth/register`,
    });
    // Another path under the same well-known name is not this issuer's.
    expect((await fetch(`${origin}/deputy/.well-known/oauth-authorization-server/other`)).status).toBe(404);

    // 3. Registration, then the browser's part: the forms post under the prefix.
    const redirectUri = 'http://127.0.0.1:53682/callback';
    const reg = await fetch(meta.registration_endpoint as string, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ client_name: 'Prefix client', redirect_uris: [redirectUri] }),
    });
    expect(reg.status).toBe(201);
    const clientId = String(((await reg.json()) as { client_id: string }).client_id);
    const { verifier, challenge } = pkce();
    const authorize = new URL(meta.authorization_endpoint as string);
    for (const [k, v] of Object.entries({
      response_type: 'code',
      client_id: clientId,
      redirect_uri: redirectUri,
      code_challenge: challenge,
      code_challenge_method: 'S256',
      state: 'prefix-1',
      resource: prm.resource,
    }))
      authorize.searchParams.set(k, v);
    const post = async (html: string, form: Record<string, string>) => {
      const action = /<form method="post" action="([^"]+)"/.exec(html)?.[1] ?? '';
      expect(action.startsWith('/deputy/oauth/authorize/')).toBe(true);
      const request = /name="request" value="([^"]+)"/.exec(html)?.[1] ?? '';
      return fetch(new URL(action, origin), {
        method: 'POST',
        redirect: 'manual',
        headers: { 'content-type': 'application/x-www-form-urlencoded', origin },
        body: new URLSearchParams({ request, ...form }).toString(),
      });
    };
    const signInPage = await fetch(authorize);
    expect(signInPage.status).toBe(200);
    const consent = await post(await signInPage.text(), {
      email: DEMO_OPERATOR.email,
      password: DEMO_OPERATOR.password,
    });
    expect(consent.status).toBe(200);
    const back = await post(await consent.text(), { decision: 'allow' });
    expect(back.status).toBe(303);
    const code = new URL(back.headers.get('location') ?? '').searchParams.get('code') ?? '';
    const token = await fetch(meta.token_endpoint as string, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        code,
        redirect_uri: redirectUri,
        client_id: clientId,
        code_verifier: verifier,
        resource: prm.resource,
      }).toString(),
    });
    expect(token.status).toBe(200);
    const accessToken = String(((await token.json()) as { access_token: string }).access_token);

    // 4. The token's audience is the prefixed resource: the staff tools answer through the prefix.
    const tools = await fetch(`${base}/mcp`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        authorization: `Bearer ${accessToken}`,
      },
      body: JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/list' }),
    });
    expect(tools.status).toBe(200);
    const names = ((await tools.json()) as { result: { tools: { name: string }[] } }).result.tools.map(
      (t) => t.name,
    );
    expect(names).toContain('find_customer');
  });

  it('serves the console with its assets, cookie, API and socket under the prefix', async () => {
    const page = await fetch(`${base}/console`);
    expect(page.status).toBe(200);
    const html = await page.text();
    const assets = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1] as string);
    expect(assets.length).toBeGreaterThan(0);
    for (const asset of assets) {
      expect(asset.startsWith('/deputy/console/assets/'), asset).toBe(true);
      expect((await fetch(new URL(asset, origin))).status, asset).toBe(200);
    }
    const signIn = await fetch(`${base}/console/api/sign-in`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin },
      body: JSON.stringify({ email: DEMO_OPERATOR.email, password: DEMO_OPERATOR.password }),
    });
    expect(signIn.status).toBe(200);
    const setCookie = signIn.headers.get('set-cookie') ?? '';
    expect(setCookie).toContain('Path=/deputy/console;');
    const cookie = setCookie.split(';')[0] as string;
    expect((await fetch(`${base}/console/api/me`, { headers: { cookie } })).status).toBe(200);
    const { WebSocket } = await import('ws');
    const ws = new WebSocket(`${base.replace(/^http/, 'ws')}/console/ws`, { headers: { cookie, origin } });
    const first = await new Promise<Record<string, unknown>>((resolve, reject) => {
      ws.once('message', (d) => resolve(JSON.parse(String(d)) as Record<string, unknown>));
      ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
      ws.once('error', reject);
    });
    expect(first.type).toBeTruthy();
    ws.close();
  });

  it('carries a visitor chat through the prefix', async () => {
    const s = await TestSocket.open(base);
    s.send({ type: 'hello', v: 1, site: 'demo', token: await visitorToken(server, 'cus_alice') });
    await s.next('welcome', () => true, 10_000);
    s.send({ type: 'message', clientId: 'prefix_msg_0001', text: "What's the status of ticket T-1001?" });
    const reply = await s.next('message', (m) => m.role === 'assistant', 15_000);
    expect(reply.text).toContain('T-1001');
    s.close();
  });
});
