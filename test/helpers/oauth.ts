import { createHash, randomBytes } from 'node:crypto';
import type { TestServer } from './server.js';

/** A PKCE pair (RFC 7636, S256). */
export function pkce(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

export async function register(
  server: TestServer,
  metadata: unknown,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${server.url}/oauth/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: typeof metadata === 'string' ? metadata : JSON.stringify(metadata),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

/** Registers a loopback client and returns its id. */
export async function registerClient(server: TestServer, redirectUri = 'http://127.0.0.1:53682/callback') {
  const { status, body } = await register(server, {
    client_name: 'Test client',
    redirect_uris: [redirectUri],
  });
  if (status !== 201) throw new Error(`registration failed: ${JSON.stringify(body)}`);
  return { clientId: String(body.client_id), redirectUri };
}

/** GET /oauth/authorize without following redirects. */
export async function authorizeGet(server: TestServer, params: Record<string, string | undefined>) {
  const url = new URL('/oauth/authorize', server.url);
  for (const [k, v] of Object.entries(params)) if (v !== undefined) url.searchParams.set(k, v);
  return fetch(url, { redirect: 'manual' });
}

function hidden(html: string): string {
  const m = /name="request" value="([^"]+)"/.exec(html);
  if (!m?.[1]) throw new Error(`no pending request in page: ${html.slice(0, 300)}`);
  return m[1];
}

async function postForm(server: TestServer, path: string, form: Record<string, string>) {
  return fetch(`${server.url}${path}`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', origin: server.url },
    body: new URLSearchParams(form).toString(),
  });
}

/**
 * The browser part of the flow done with plain HTTP (the Chromium e2e does it with clicks): the
 * authorize page, the sign-in form, the consent form. Returns the redirect the consent answered.
 */
export async function authorizeWithForms(
  server: TestServer,
  o: {
    clientId: string;
    redirectUri: string;
    challenge: string;
    email: string;
    password: string;
    decision?: 'allow' | 'deny';
    state?: string;
    scope?: string;
  },
): Promise<URL> {
  const page = await authorizeGet(server, {
    response_type: 'code',
    client_id: o.clientId,
    redirect_uri: o.redirectUri,
    code_challenge: o.challenge,
    code_challenge_method: 'S256',
    state: o.state ?? 'st-123',
    resource: `${server.url}/mcp`,
    scope: o.scope,
  });
  if (page.status !== 200) throw new Error(`authorize answered ${page.status}`);
  const signIn = await postForm(server, '/oauth/authorize/sign-in', {
    request: hidden(await page.text()),
    email: o.email,
    password: o.password,
  });
  const consentHtml = await signIn.text();
  if (signIn.status !== 200)
    throw new Error(`sign-in answered ${signIn.status}: ${consentHtml.slice(0, 200)}`);
  const consent = await postForm(server, '/oauth/authorize/consent', {
    request: hidden(consentHtml),
    decision: o.decision ?? 'allow',
  });
  const location = consent.headers.get('location');
  if (consent.status !== 303 || !location) throw new Error(`consent answered ${consent.status}`);
  return new URL(location);
}

export async function tokenRequest(
  server: TestServer,
  form: Record<string, string>,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${server.url}/oauth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(form).toString(),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

/** The whole flow for one operator: a client, consent, and the first token response. */
export async function operatorTokens(
  server: TestServer,
  who: { email: string; password: string },
): Promise<{ clientId: string; accessToken: string; refreshToken: string }> {
  const { clientId, redirectUri } = await registerClient(server);
  const { verifier, challenge } = pkce();
  const back = await authorizeWithForms(server, { clientId, redirectUri, challenge, ...who });
  const code = back.searchParams.get('code');
  if (!code) throw new Error(`no code: ${back}`);
  const { status, body } = await tokenRequest(server, {
    grant_type: 'authorization_code',
    code,
    redirect_uri: redirectUri,
    client_id: clientId,
    code_verifier: verifier,
    resource: `${server.url}/mcp`,
  });
  if (status !== 200) throw new Error(`token answered ${status}: ${JSON.stringify(body)}`);
  return { clientId, accessToken: String(body.access_token), refreshToken: String(body.refresh_token) };
}
