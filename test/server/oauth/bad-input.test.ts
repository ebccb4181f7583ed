import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_OPERATOR } from '../../../server/console/plugin.js';
import {
  authorizeGet,
  authorizeWithForms,
  pkce,
  register,
  registerClient,
  tokenRequest,
} from '../../helpers/oauth.js';
import { removeDataDir, startServer, type TestServer } from '../../helpers/server.js';
import { rows } from '../mcp/support.js';

const SAM = { email: DEMO_OPERATOR.email, password: DEMO_OPERATOR.password };
let server: TestServer;

beforeAll(async () => {
  server = await startServer();
});
afterAll(async () => {
  await server.close();
  removeDataDir(server.dataDir);
});

const stored = () => ({
  clients: rows<{ n: number }>(server, 'select count(*) as n from oauth_clients')[0]?.n,
  grants: rows<{ n: number }>(server, 'select count(*) as n from oauth_grants')[0]?.n,
  codes: rows<{ n: number }>(server, 'select count(*) as n from oauth_codes')[0]?.n,
  refresh: rows<{ n: number }>(server, 'select count(*) as n from oauth_refresh_tokens')[0]?.n,
});

describe('client registration refuses bad metadata and stores nothing', () => {
  it.each([
    ['a body that is not JSON', '{"redirect_uris": [', 'invalid_client_metadata'],
    ['no redirect_uris', { client_name: 'x' }, 'invalid_client_metadata'],
    ['redirect_uris not a list', { redirect_uris: 'https://a.example/cb' }, 'invalid_client_metadata'],
    ['a redirect URI that is not a string', { redirect_uris: [42] }, 'invalid_client_metadata'],
    ['an empty list', { redirect_uris: [] }, 'invalid_client_metadata'],
    [
      'a 10,000-character name',
      { client_name: 'n'.repeat(10_000), redirect_uris: ['https://a.example/cb'] },
      'invalid_client_metadata',
    ],
    [
      'response_types token',
      { redirect_uris: ['https://a.example/cb'], response_types: ['token'] },
      'invalid_client_metadata',
    ],
    [
      'grant_types implicit',
      { redirect_uris: ['https://a.example/cb'], grant_types: ['implicit'] },
      'invalid_client_metadata',
    ],
    ['a javascript: redirect URI', { redirect_uris: ['javascript:alert(1)'] }, 'invalid_redirect_uri'],
    ['a data: redirect URI', { redirect_uris: ['data:text/html,hi'] }, 'invalid_redirect_uri'],
    [
      'a non-loopback http redirect URI',
      { redirect_uris: ['http://evil.example/cb'] },
      'invalid_redirect_uri',
    ],
    ['a redirect URI with a fragment', { redirect_uris: ['https://a.example/cb#x'] }, 'invalid_redirect_uri'],
    ['a relative redirect URI', { redirect_uris: ['/cb'] }, 'invalid_redirect_uri'],
    [
      '500 redirect URIs (O6)',
      { redirect_uris: Array.from({ length: 500 }, (_, i) => `https://a.example/cb${i}`) },
      'invalid_redirect_uri',
    ],
  ])('%s', async (_name, body, error) => {
    const before = stored();
    const res = await register(server, body);
    expect(res.status).toBe(400);
    expect(res.body.error).toBe(error);
    expect(stored()).toEqual(before);
  });

  it('refuses a 1 MB body with a size error (O6)', async () => {
    const before = stored();
    const res = await register(server, {
      redirect_uris: ['https://a.example/cb'],
      client_name: 'x'.repeat(1024 * 1024),
    });
    expect(res).toMatchObject({ status: 413, body: { error: 'request_too_large' } });
    expect(stored()).toEqual(before);
  });

  it('accepts loopback and private-use redirect URIs and answers as a public client', async () => {
    const res = await register(server, {
      client_name: 'Native',
      redirect_uris: [
        'http://127.0.0.1/callback',
        'http://[::1]:8080/cb',
        'vscode://vscode.github-authentication/did-authenticate',
      ],
      token_endpoint_auth_method: 'client_secret_basic',
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      token_endpoint_auth_method: 'none',
      grant_types: ['authorization_code', 'refresh_token'],
    });
    expect(res.body.client_secret).toBeUndefined();
  });
});

describe('authorization requests', () => {
  let clientId: string;
  let redirectUri: string;
  beforeAll(async () => {
    ({ clientId, redirectUri } = await registerClient(server));
  });
  const good = () => ({
    response_type: 'code',
    client_id: clientId,
    redirect_uri: redirectUri,
    code_challenge: pkce().challenge,
    code_challenge_method: 'S256',
    state: 's1',
    resource: `${server.url}/mcp`,
  });

  it('shows the sign-in form for a good request, on any loopback port', async () => {
    const res = await authorizeGet(server, { ...good(), redirect_uri: 'http://127.0.0.1:61000/callback' });
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain('<label for="email">Email</label>');
    expect(html).toContain('<label for="password">Password</label>');
    expect(html).toContain('>Sign in</button>');
    expect(res.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
  });

  it.each([
    ['a redirect URI differing by one character (O2)', { redirect_uri: 'http://127.0.0.1:53682/callbacK' }],
    ['a javascript: redirect URI (O2)', { redirect_uri: 'javascript:alert(1)' }],
    ['another loopback path', { redirect_uri: 'http://127.0.0.1:53682/callback/x' }],
    ['no redirect URI', { redirect_uri: undefined }],
    ['an unknown client', { client_id: 'mcp_AAAAAAAAAAAAAAAA' }],
  ])('never redirects for %s', async (_name, change) => {
    const res = await authorizeGet(server, { ...good(), ...change });
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.headers.get('location')).toBeNull();
  });

  it.each([
    ['no PKCE (O1)', { code_challenge: undefined, code_challenge_method: undefined }, 'invalid_request'],
    ['plain PKCE (O1)', { code_challenge_method: 'plain' }, 'invalid_request'],
    ['a challenge of the wrong length', { code_challenge: 'abc' }, 'invalid_request'],
    ['response_type token', { response_type: 'token' }, 'unsupported_response_type'],
    ['no response_type', { response_type: undefined }, 'unsupported_response_type'],
    ['no state', { state: undefined }, 'invalid_request'],
    ['another resource', { resource: 'https://elsewhere.example/mcp' }, 'invalid_target'],
    ['only unknown scopes', { scope: 'admin *' }, 'invalid_scope'],
  ])('redirects %s back with its error code', async (_name, change, error) => {
    const before = stored();
    const res = await authorizeGet(server, { ...good(), ...change });
    expect(res.status).toBe(303);
    const back = new URL(res.headers.get('location') ?? '');
    expect(`${back.origin}${back.pathname}`).toBe(redirectUri);
    expect(back.searchParams.get('error')).toBe(error);
    expect(back.searchParams.get('code')).toBeNull();
    expect(stored()).toEqual(before);
  });

  it('refuses a sign-in form posted from another origin, and a wrong password, without issuing', async () => {
    const before = stored();
    const page = await (await authorizeGet(server, good())).text();
    const request = /name="request" value="([^"]+)"/.exec(page)?.[1] ?? '';
    const post = (origin: string, password: string) =>
      fetch(`${server.url}/oauth/authorize/sign-in`, {
        method: 'POST',
        redirect: 'manual',
        headers: { 'content-type': 'application/x-www-form-urlencoded', origin },
        body: new URLSearchParams({ request, email: SAM.email, password }).toString(),
      });
    expect((await post('https://evil.example', SAM.password)).status).toBe(403);
    const page2 = await (await authorizeGet(server, good())).text();
    const request2 = /name="request" value="([^"]+)"/.exec(page2)?.[1] ?? '';
    const wrong = await fetch(`${server.url}/oauth/authorize/sign-in`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: server.url },
      body: new URLSearchParams({
        request: request2,
        email: SAM.email,
        password: 'not-the-password',
      }).toString(),
    });
    expect(wrong.status).toBe(401);
    expect(await wrong.text()).toContain('Wrong email or password.');
    expect(stored()).toEqual(before);
  });
});

describe('token requests', () => {
  async function freshCode() {
    const { clientId, redirectUri } = await registerClient(server);
    const { verifier, challenge } = pkce();
    const back = await authorizeWithForms(server, { clientId, redirectUri, challenge, ...SAM });
    return { clientId, redirectUri, verifier, code: back.searchParams.get('code') ?? '' };
  }

  it.each([
    ['a code_verifier of 42 characters', (v: string) => v.slice(0, 42), 'invalid_request'],
    ['a code_verifier of 129 characters', (v: string) => v.padEnd(129, 'a'), 'invalid_request'],
    ['a code_verifier with a space', (v: string) => `${v.slice(0, 42)} `, 'invalid_request'],
    ['another code_verifier of the right length', () => 'b'.repeat(43), 'invalid_grant'],
  ])('refuses %s and issues no token', async (_name, change, error) => {
    const c = await freshCode();
    const before = stored().refresh;
    const res = await tokenRequest(server, {
      grant_type: 'authorization_code',
      code: c.code,
      redirect_uri: c.redirectUri,
      client_id: c.clientId,
      code_verifier: change(c.verifier),
    });
    expect(res).toMatchObject({ status: 400, body: { error } });
    expect(res.body.access_token).toBeUndefined();
    expect(stored().refresh).toBe(before);
  });

  it('refuses a redirect URI other than the one the code was issued for', async () => {
    const c = await freshCode();
    const res = await tokenRequest(server, {
      grant_type: 'authorization_code',
      code: c.code,
      redirect_uri: `${c.redirectUri}x`,
      client_id: c.clientId,
      code_verifier: c.verifier,
    });
    expect(res).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
  });

  it('refuses another resource, an unknown grant type and an unknown client', async () => {
    const c = await freshCode();
    const base = {
      grant_type: 'authorization_code',
      code: c.code,
      redirect_uri: c.redirectUri,
      client_id: c.clientId,
      code_verifier: c.verifier,
    };
    expect(await tokenRequest(server, { ...base, resource: 'https://elsewhere.example/mcp' })).toMatchObject({
      status: 400,
      body: { error: 'invalid_target' },
    });
    expect(await tokenRequest(server, { ...base, grant_type: 'password' })).toMatchObject({
      status: 400,
      body: { error: 'unsupported_grant_type' },
    });
    expect(await tokenRequest(server, { ...base, client_id: 'mcp_nope' })).toMatchObject({
      status: 401,
      body: { error: 'invalid_client' },
    });
  });

  it('refuses a body that is not a form, and parameters given twice', async () => {
    const res = await fetch(`${server.url}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=authorization_code&grant_type=refresh_token&client_id=x',
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toBe('invalid_request');
  });
});

describe('registration rate limit', () => {
  it('refuses the 21st registration from one address in an hour', async () => {
    let created = 0;
    let refused: { status: number; body: Record<string, unknown> } | null = null;
    for (let i = 0; i < 30 && !refused; i++) {
      const res = await register(server, { client_name: `c${i}`, redirect_uris: ['https://a.example/cb'] });
      if (res.status === 201) created++;
      else refused = res;
    }
    expect(refused).toMatchObject({ status: 429, body: { error: 'too_many_requests' } });
    // This file registered some clients before; together they reach exactly the limit.
    const total = rows<{ n: number }>(server, 'select count(*) as n from oauth_clients')[0]?.n;
    expect(total).toBe(20);
    expect(created).toBeGreaterThan(0);
  });
});
