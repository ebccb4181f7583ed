import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_OPERATOR } from '../../../server/console/plugin.js';
import { authorizeGet, pkce, registerClient } from '../../helpers/oauth.js';
import { removeDataDir, startServer, type TestServer } from '../../helpers/server.js';

let server: TestServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(async () => {
  await server.close();
  removeDataDir(server.dataDir);
});

describe('the OAuth sign-in page', () => {
  it('counts failures against the same limits as the console: five wrong passwords lock both doors (C2)', async () => {
    const { clientId, redirectUri } = await registerClient(server);
    const attempt = async (password: string) => {
      const page = await authorizeGet(server, {
        response_type: 'code',
        client_id: clientId,
        redirect_uri: redirectUri,
        code_challenge: pkce().challenge,
        code_challenge_method: 'S256',
        state: 's',
      });
      const request = /name="request" value="([^"]+)"/.exec(await page.text())?.[1] ?? '';
      const res = await fetch(`${server.url}/oauth/authorize/sign-in`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', origin: server.url },
        body: new URLSearchParams({ request, email: DEMO_OPERATOR.email, password }).toString(),
      });
      return { status: res.status, html: await res.text() };
    };
    for (let i = 0; i < 5; i++)
      expect((await attempt('wrong-password-123')).html).toContain('Wrong email or password.');
    // Now even the right password is held back, here and at the console.
    expect((await attempt(DEMO_OPERATOR.password)).html).toContain('Too many attempts.');
    const consoleSignIn = await fetch(`${server.url}/console/api/sign-in`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: DEMO_OPERATOR.email, password: DEMO_OPERATOR.password }),
    });
    expect(consoleSignIn.status).toBe(429);
  });

  it('answers CORS preflights for the endpoints browser-based clients call, and never for the pages', async () => {
    for (const path of [
      '/oauth/token',
      '/oauth/register',
      '/oauth/revoke',
      '/.well-known/oauth-authorization-server',
    ]) {
      const res = await fetch(`${server.url}${path}`, {
        method: 'OPTIONS',
        headers: { origin: 'http://localhost:6274', 'access-control-request-method': 'POST' },
      });
      expect(res.status, path).toBe(204);
      expect(res.headers.get('access-control-allow-origin'), path).toBe('*');
    }
    const page = await fetch(`${server.url}/oauth/authorize`, {
      headers: { origin: 'http://localhost:6274' },
    });
    expect(page.headers.get('access-control-allow-origin')).toBeNull();
  });
});
