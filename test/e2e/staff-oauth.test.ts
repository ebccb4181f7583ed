import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { auth, type OAuthClientProvider } from '@modelcontextprotocol/sdk/client/auth.js';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type {
  OAuthClientInformationMixed,
  OAuthClientMetadata,
  OAuthTokens,
} from '@modelcontextprotocol/sdk/shared/auth.js';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSigningKey } from '../../server/auth/keys.js';
import { signMcpToken } from '../../server/auth/mcp-token.js';
import { OperatorStore } from '../../server/console/operators.js';
import { DEMO_OPERATOR } from '../../server/console/plugin.js';
import { runDeputy } from '../helpers/cli.js';
import { postMcp } from '../helpers/mcp.js';
import { removeDataDir, startServer, type TestServer } from '../helpers/server.js';
import { visitor } from '../server/mcp/support.js';
import { hasChromium, launch } from './browser.js';

const run = promisify(execFile);
// DEPUTY_SCREENSHOTS=1 refreshes the committed screenshot; ordinary runs write to test-results/.
const SHOTS = process.env.DEPUTY_SCREENSHOTS === '1' ? 'docs/screenshots' : 'test-results/screenshots';
const SAM = { email: DEMO_OPERATOR.email, password: DEMO_OPERATOR.password };
const OLGA = { email: 'olga@shop.test', password: 'olga-password-1' };
const VISITOR = ['crm.read', 'crm.contact.update.self', 'crm.ticket.create', 'crm.write'];

/** A native MCP client's loopback redirect listener (RFC 8252 §7.3): records what the browser brings. */
class Callback {
  readonly hits: URL[] = [];
  #server: Server | null = null;
  #waiters: ((u: URL) => void)[] = [];
  port = 0;

  async start(): Promise<void> {
    this.#server = createServer((req, res) => {
      const url = new URL(req.url ?? '/', `http://127.0.0.1:${this.port}`);
      this.hits.push(url);
      for (const w of this.#waiters.splice(0)) w(url);
      res.writeHead(200, { 'content-type': 'text/html' }).end('<p>You can close this window.</p>');
    });
    await new Promise<void>((r) => this.#server?.listen(0, '127.0.0.1', r));
    this.port = (this.#server.address() as AddressInfo).port;
  }

  get uri(): string {
    return `http://127.0.0.1:${this.port}/callback`;
  }

  next(): Promise<URL> {
    return new Promise((r) => this.#waiters.push(r));
  }

  close(): Promise<void> {
    return new Promise((r) => this.#server?.close(() => r()));
  }
}

/** An OAuthClientProvider kept in memory, as a desktop MCP client would keep it on disk. */
class MemoryProvider implements OAuthClientProvider {
  info: OAuthClientInformationMixed | undefined;
  saved: OAuthTokens | undefined;
  verifier = '';
  authorizationUrl: URL | null = null;

  constructor(private readonly redirect: string) {}
  get redirectUrl() {
    return this.redirect;
  }
  get clientMetadata(): OAuthClientMetadata {
    return {
      client_name: 'E2E desktop client',
      redirect_uris: [this.redirect],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
    };
  }
  state() {
    return `st-${Math.random().toString(36).slice(2)}`;
  }
  clientInformation() {
    return this.info;
  }
  saveClientInformation(info: OAuthClientInformationMixed) {
    this.info = info;
  }
  tokens() {
    return this.saved;
  }
  saveTokens(tokens: OAuthTokens) {
    this.saved = tokens;
  }
  redirectToAuthorization(url: URL) {
    this.authorizationUrl = url;
  }
  saveCodeVerifier(v: string) {
    this.verifier = v;
  }
  codeVerifier() {
    return this.verifier;
  }
}

let server: TestServer;
let browser: Browser;
let callback: Callback;

beforeAll(async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'deputy-cfg-'));
  const file = path.join(dir, 'deputy.config.json');
  const site = { origins: ['self'], keys: [{ type: 'hs256', generate: true }], defaultScopes: VISITOR };
  writeFileSync(file, JSON.stringify({ sites: { demo: site, shop: site } }));
  callback = new Callback();
  [server, browser] = await Promise.all([
    startServer({ env: { DEPUTY_CONFIG: file } }),
    launch(),
    callback.start(),
  ]);
  await new OperatorStore(server.app.deputy.store.db).add({
    siteId: 'shop',
    name: 'Olga',
    role: 'agent',
    ...OLGA,
  });
});
afterAll(async () => {
  await browser?.close();
  await callback?.close();
  await server?.close();
  if (server) removeDataDir(server.dataDir);
});

const mcpUrl = () => `${server.url}/mcp`;

/** Signs in and answers the consent page in a fresh browser context, as the operator would. */
async function consent(url: URL, who: { email: string; password: string }, shot?: string) {
  const context = await browser.newContext({ viewport: { width: 900, height: 820 } });
  const page: Page = await context.newPage();
  try {
    const back = callback.next();
    await page.goto(url.toString());
    await page.getByLabel('Email').fill(who.email);
    await page.getByLabel('Password').fill(who.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: /Allow E2E desktop client to use Deputy/ }).waitFor();
    expect(await page.getByText('crm.any').count()).toBe(1);
    if (shot) await page.screenshot({ path: `${SHOTS}/${shot}` });
    await page.getByRole('button', { name: 'Allow' }).click();
    return await back;
  } finally {
    await context.close();
  }
}

/** The SDK's whole flow: discovery, registration, the browser, the code exchange. */
async function connectAs(who: { email: string; password: string }, shot?: string) {
  const provider = new MemoryProvider(callback.uri);
  expect(await auth(provider, { serverUrl: mcpUrl() })).toBe('REDIRECT');
  const url = provider.authorizationUrl;
  if (!url) throw new Error('no authorization URL');
  const back = await consent(url, who, shot);
  expect(back.searchParams.get('state')).toBe(url.searchParams.get('state'));
  expect(back.searchParams.get('iss')).toBe(server.url);
  const code = back.searchParams.get('code') ?? '';
  expect(await auth(provider, { serverUrl: mcpUrl(), authorizationCode: code })).toBe('AUTHORIZED');
  return { provider, code, url };
}

async function sdkClient(provider: OAuthClientProvider): Promise<Client> {
  const client = new Client({ name: 'e2e-desktop', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(mcpUrl()), { authProvider: provider }));
  return client;
}

async function status(token: string): Promise<number> {
  return (
    await postMcp(
      server,
      { jsonrpc: '2.0', id: 1, method: 'tools/list' },
      { authorization: `Bearer ${token}` },
    )
  ).status;
}

describe.skipIf(!hasChromium)(
  'an operator connects an MCP client through OAuth (Chromium)',
  { timeout: 120_000 },
  () => {
    let sam: MemoryProvider;

    it('registers, signs in, consents, exchanges the code and uses the staff tools', async () => {
      const { provider, url } = await connectAs(SAM, 'staff-oauth-consent.png');
      sam = provider;
      expect(url.searchParams.get('code_challenge_method')).toBe('S256');
      expect(url.searchParams.get('resource')).toBe(mcpUrl());
      const client = await sdkClient(provider);
      try {
        const { tools } = await client.listTools();
        expect(tools.map((t) => t.name)).toContain('find_customer');
        expect(tools.find((t) => t.name === 'set_ticket_status')?.annotations?.destructiveHint).toBe(true);
        const found = await client.callTool({
          name: 'find_customer',
          arguments: { query: 'alice@example.com' },
        });
        expect(found.structuredContent).toMatchObject({ customers: [{ customer_id: 'cus_alice' }] });
        const profile = await client.callTool({
          name: 'get_customer_profile',
          arguments: { customer_id: 'cus_alice' },
        });
        const tickets = (profile.structuredContent as { tickets: { ticket_id: string }[] }).tickets;
        expect(tickets.map((t) => t.ticket_id)).toContain('T-1001');
        const ticket = await client.callTool({
          name: 'get_ticket_details',
          arguments: { ticket_id: 'T-1001' },
        });
        expect(ticket.structuredContent).toMatchObject({
          ticket: { ticket_id: 'T-1001', customer_id: 'cus_alice' },
        });
      } finally {
        await client.close();
      }
      // In the audit log under the operator's name.
      const env = {
        ...process.env,
        DEPUTY_DATA_DIR: server.dataDir,
        PORT: String(server.port),
        HOST: '127.0.0.1',
      };
      const audit = await runDeputy(env, 'audit', '--sub', SAM.email);
      for (const tool of ['find_customer', 'get_customer_profile', 'get_ticket_details'])
        expect(audit.stdout).toMatch(
          new RegExp(`\\(${SAM.email.replace('.', '\\.')}\\)\\s+mcp_\\S+\\s+${tool}\\s+ok`),
        );
    });

    it('lets the MCP Inspector CLI connect with the staff token from the flow', async () => {
      const token = sam.saved?.access_token ?? '';
      const { stdout } = await run(
        'node_modules/.bin/mcp-inspector',
        [
          '--cli',
          mcpUrl(),
          '--transport',
          'http',
          '--header',
          `Authorization: Bearer ${token}`,
          '--method',
          'tools/call',
          '--tool-name',
          'find_customer',
          '--tool-arg',
          'query=bob',
        ],
        { timeout: 80_000, maxBuffer: 4 * 1024 * 1024, env: { ...process.env, NO_COLOR: '1' } },
      );
      expect(JSON.parse(stdout).structuredContent).toMatchObject({ customers: [{ customer_id: 'cus_bob' }] });
    });

    it('refreshes, and a reused rotated refresh token is refused and revokes the chain', async () => {
      const first = sam.saved as OAuthTokens;
      // auth() with stored tokens refreshes them, as the SDK does when an access token expires.
      expect(await auth(sam, { serverUrl: mcpUrl() })).toBe('AUTHORIZED');
      const second = sam.saved as OAuthTokens;
      expect(second.refresh_token).not.toBe(first.refresh_token);
      expect(await status(second.access_token)).toBe(200);
      const reuse = await fetch(`${server.url}/oauth/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          grant_type: 'refresh_token',
          refresh_token: first.refresh_token ?? '',
          client_id: sam.info?.client_id ?? '',
        }),
      });
      expect(reuse.status).toBe(400);
      expect(((await reuse.json()) as { error: string }).error).toBe('invalid_grant');
      expect(await status(second.access_token)).toBe(401);
    });

    it('revokes (RFC 7009): the client’s tokens stop at once', async () => {
      const { provider } = await connectAs(SAM);
      const token = provider.saved?.access_token ?? '';
      expect(await status(token)).toBe(200);
      const res = await fetch(`${server.url}/oauth/revoke`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          token: provider.saved?.refresh_token ?? '',
          client_id: provider.info?.client_id ?? '',
        }),
      });
      expect(res.status).toBe(200);
      expect(await status(token)).toBe(401);
    });
  },
);

describe.skipIf(!hasChromium)('what the flow refuses (Chromium)', { timeout: 120_000 }, () => {
  /** A fresh authorization URL from the SDK, for tampering with. */
  async function authorizationUrl(): Promise<{ provider: MemoryProvider; url: URL }> {
    const provider = new MemoryProvider(callback.uri);
    expect(await auth(provider, { serverUrl: mcpUrl() })).toBe('REDIRECT');
    return { provider, url: provider.authorizationUrl as URL };
  }

  async function visit(url: URL): Promise<{ page: string; redirectedTo: URL | null }> {
    const context = await browser.newContext();
    const page = await context.newPage();
    const before = callback.hits.length;
    try {
      await page.goto(url.toString());
      await page.waitForLoadState('load');
      return { page: await page.content(), redirectedTo: callback.hits[before] ?? null };
    } finally {
      await context.close();
    }
  }

  it.each([
    ['without PKCE (O1)', (u: URL) => u.searchParams.delete('code_challenge')],
    ['with plain PKCE (O1)', (u: URL) => u.searchParams.set('code_challenge_method', 'plain')],
  ])('sends the browser back with invalid_request %s', async (_n, tamper) => {
    const { url } = await authorizationUrl();
    tamper(url);
    const { redirectedTo } = await visit(url);
    expect(redirectedTo?.searchParams.get('error')).toBe('invalid_request');
    expect(redirectedTo?.searchParams.get('code')).toBeNull();
  });

  it('shows an error and never redirects for a redirect URI differing by one character (O2)', async () => {
    const { url } = await authorizationUrl();
    url.searchParams.set('redirect_uri', callback.uri.replace('/callback', '/callbacK'));
    const { page, redirectedTo } = await visit(url);
    expect(redirectedTo).toBeNull();
    expect(page).toContain('This sign-in request cannot be completed');
  });

  it('refuses a code used twice and revokes what its first use issued (O3)', async () => {
    const { provider, code } = await connectAs(SAM);
    const again = await fetch(`${server.url}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        code,
        redirect_uri: callback.uri,
        client_id: provider.info?.client_id ?? '',
        code_verifier: provider.verifier,
      }),
    });
    expect(again.status).toBe(400);
    expect(await status(provider.saved?.access_token ?? '')).toBe(401);
  });

  it('refuses a token for another audience and a visitor token as staff (O5)', async () => {
    const { provider } = await connectAs(SAM);
    const claims = JSON.parse(
      Buffer.from((provider.saved?.access_token ?? '').split('.')[1] ?? '', 'base64url').toString(),
    ) as {
      sub: string;
      gid: string;
    };
    const other = await signMcpToken(
      await loadSigningKey(server.dataDir),
      { issuer: server.url, audience: 'https://other.example/mcp' },
      {
        sub: claims.sub,
        scopes: ['crm.read', 'crm.any'],
        site: 'demo',
        operator: { role: 'admin', grant: claims.gid },
      },
    );
    const res = await postMcp(
      server,
      { jsonrpc: '2.0', id: 1, method: 'tools/list' },
      { authorization: `Bearer ${other}` },
    );
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toContain('resource_metadata=');
    const v = await visitor(server, 'cus_alice');
    const listed = (await (
      await postMcp(server, { jsonrpc: '2.0', id: 2, method: 'tools/list' }, { authorization: `Bearer ${v}` })
    ).json()) as { result: { tools: { name: string }[] } };
    expect(listed.result.tools.map((t) => t.name)).not.toContain('find_customer');
  });

  it('gives an operator of another site nothing of this site’s customers', async () => {
    const { provider } = await connectAs(OLGA);
    const client = await sdkClient(provider);
    try {
      const found = await client.callTool({ name: 'find_customer', arguments: { query: 'alice' } });
      expect(found.structuredContent).toEqual({ customers: [] });
      const profile = await client.callTool({
        name: 'get_customer_profile',
        arguments: { customer_id: 'cus_alice' },
      });
      expect(profile.isError).toBe(true);
      expect(JSON.stringify(profile.content)).toContain('not_found');
    } finally {
      await client.close();
    }
  });
});
