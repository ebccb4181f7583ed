import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { afterAll, describe, expect, it } from 'vitest';
import { verifyVisitorToken } from '../../../server/auth/visitor-token.js';
import { basePath, configFromEnv, type SiteConfig } from '../../../server/config.js';
import { DeputyError } from '../../../server/errors.js';
import { DEMO_CONFIG } from '../../../server/sites/demo.js';
import { loadConfig } from '../../../server/sites/load.js';
import { configJsonSchema } from '../../../server/sites/schema.js';
import { removeDataDir, startServer } from '../../helpers/server.js';
import { TestSocket } from '../../helpers/ws-client.js';

const dir = mkdtempSync(path.join(tmpdir(), 'deputy-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let n = 0;
/** Writes `content` as a config file and returns the environment that selects it. */
function withFile(content: unknown, env: Record<string, string> = {}): NodeJS.ProcessEnv {
  const file = path.join(dir, `config-${n++}.json`);
  writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content));
  return { DEPUTY_DATA_DIR: path.join(dir, 'data'), DEPUTY_CONFIG: file, ...env };
}

const SECRET = 'a-shared-secret-of-at-least-32-characters!';
const shop = (over: Record<string, unknown> = {}) => ({
  sites: {
    shop: { origins: ['https://shop.example.com'], keys: [{ type: 'hs256', secret: SECRET }], ...over },
  },
});

async function failure(env: NodeJS.ProcessEnv): Promise<DeputyError> {
  const err = await loadConfig(env).then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(DeputyError);
  return err as DeputyError;
}

async function token(
  key: CryptoKey | Uint8Array,
  alg: string,
  claims: Record<string, unknown> = {},
  header = {},
) {
  return new SignJWT(claims)
    .setProtectedHeader({ alg, ...header })
    .setIssuer('shop')
    .setAudience('deputy')
    .setSubject('cus_alice')
    .setIssuedAt()
    .setExpirationTime('10m')
    .sign(key);
}

describe('the backend URLs', () => {
  it('keeps a path prefix of DEPUTY_PUBLIC_URL, and refuses what is not an http(s) base URL', () => {
    const env = { DEPUTY_DATA_DIR: tmpdir() };
    const prefixed = configFromEnv({ ...env, DEPUTY_PUBLIC_URL: 'https://example.com/deputy/' });
    expect(prefixed.publicUrl).toBe('https://example.com/deputy');
    expect(basePath(prefixed.publicUrl as string)).toBe('/deputy');
    expect(basePath('https://example.com')).toBe('');
    expect(configFromEnv({ ...env, MCP_URL: 'https://example.com/deputy/mcp' }).mcpUrl).toBe(
      'https://example.com/deputy/mcp',
    );
    for (const [name, value] of [
      ['DEPUTY_PUBLIC_URL', 'example.com/deputy'],
      ['DEPUTY_PUBLIC_URL', 'ftp://example.com'],
      ['DEPUTY_PUBLIC_URL', 'https://user:pw@example.com'],
      ['DEPUTY_PUBLIC_URL', 'https://example.com/?a=1'],
      ['MCP_URL', 'https://example.com/mcp#x'],
    ] as const) {
      let err: unknown;
      try {
        configFromEnv({ ...env, [name]: value });
      } catch (e) {
        err = e;
      }
      expect(err, value).toBeInstanceOf(DeputyError);
      expect((err as DeputyError).code).toBe('env_invalid');
      expect((err as DeputyError).message).toContain(name);
      expect((err as DeputyError).message).not.toContain('pw');
    }
  });
});

describe('the sites configuration', () => {
  it('uses the demo site when there is no config file, and the committed deputy.config.json is that default', async () => {
    const none = await loadConfig({ DEPUTY_DATA_DIR: path.join(dir, 'data'), DEPUTY_CONFIG: '' });
    const committed = await loadConfig(withFile(readFileSync('deputy.config.json', 'utf8')));
    const fromDefault = await loadConfig(withFile(DEMO_CONFIG));
    for (const config of [none, committed, fromDefault]) {
      const demo = config.sites.get('demo');
      expect([...config.sites.keys()]).toEqual(['demo']);
      expect(demo?.origins).toEqual(['self']);
      expect(demo?.visitorKeys.map((k) => k.kind)).toEqual(['hs256']);
      expect(demo?.anonymousScopes).toEqual(['crm.ticket.create']);
      expect(demo?.model).toBe('rules');
    }
  });

  it('keeps deputy.config.schema.json in step with the schema boot validates against', () => {
    expect(JSON.parse(readFileSync('deputy.config.schema.json', 'utf8'))).toEqual(configJsonSchema());
  });

  it.each([
    ['an origin with a path', shop({ origins: ['https://shop.example.com/store'] }), 'sites.shop.origins[0]'],
    ['a short secret', shop({ keys: [{ type: 'hs256', secret: 'short' }] }), 'sites.shop.keys[0].secret'],
    [
      'two secret sources',
      shop({ keys: [{ type: 'hs256', secret: SECRET, generate: true }] }),
      'sites.shop.keys[0]',
    ],
    ['an unknown country', shop({ phoneCountry: 'XX' }), 'sites.shop.phoneCountry'],
    ['crm.any for visitors', shop({ defaultScopes: ['crm.read', 'crm.any'] }), 'sites.shop.defaultScopes[1]'],
    ['an unknown key', shop({ colour: 'red' }), 'colour'],
    [
      'an http JWKS URL',
      shop({ keys: [{ type: 'jwks', url: 'http://keys.example.com/jwks', algs: ['RS256'] }] }),
      'sites.shop.keys[0].url',
    ],
    [
      'a private JWK',
      shop({ keys: [{ type: 'jwk', jwk: { kty: 'OKP', crv: 'Ed25519', x: 'a', d: 'b' } }] }),
      'sites.shop.keys[0].jwk',
    ],
    ['a bad site id', { sites: { 'Shop!': { origins: ['self'] } } }, 'sites.Shop!'],
    ['no sites', { sites: {} }, 'sites'],
    ['a bad limit', { ...shop(), limits: { messagesPerMinute: 0 } }, 'limits.messagesPerMinute'],
  ])('refuses %s at boot, naming the field', async (_what, content, field) => {
    const err = await failure(withFile(content));
    expect(err.code).toBe('config_invalid');
    expect(err.message).toContain(`${field}`);
  });

  it('names the file when it is not JSON or cannot be read', async () => {
    const bad = withFile('{ "sites": ');
    expect((await failure(bad)).message).toContain(String(bad.DEPUTY_CONFIG));
    const missing = await failure({ DEPUTY_CONFIG: path.join(dir, 'nope.json') });
    expect(missing.code).toBe('config_file_unreadable');
    expect(missing.message).toContain('nope.json');
  });

  it('lets the environment override origins, the secret, the model and every limit', async () => {
    const config = await loadConfig(
      withFile(shop(), {
        DEPUTY_SITE_SHOP_ORIGINS: 'https://a.example.com, https://b.example.com',
        DEPUTY_SITE_SHOP_SECRET: 'another-secret-that-is-long-enough-1234',
        DEPUTY_LIMIT_MESSAGES_PER_MINUTE: '7',
      }),
    );
    const site = config.sites.get('shop') as SiteConfig;
    expect(site.origins).toEqual(['https://a.example.com', 'https://b.example.com']);
    expect(config.limits.messagesPerMinute).toBe(7);
    expect(config.limits.connectionsPerIp).toBe(256);
    const key = site.visitorKeys[0];
    expect(key?.kind === 'hs256' && new TextDecoder().decode(key.secret)).toBe(
      'another-secret-that-is-long-enough-1234',
    );
    const bad = await failure(withFile(shop(), { DEPUTY_LIMIT_HEARTBEAT_MS: 'soon' }));
    expect(bad.code).toBe('env_invalid');
    expect(bad.message).toContain('DEPUTY_LIMIT_HEARTBEAT_MS');
    const badOrigin = await failure(withFile(shop(), { DEPUTY_SITE_SHOP_ORIGINS: 'shop.example.com' }));
    expect(badOrigin.message).toContain('DEPUTY_SITE_SHOP_ORIGINS');
  });

  it('reads a secret from the environment variable a key names, and says which one is missing', async () => {
    const keys = [{ type: 'hs256', secretEnv: 'SHOP_VISITOR_SECRET' }];
    const ok = await loadConfig(withFile(shop({ keys }), { SHOP_VISITOR_SECRET: SECRET }));
    const site = ok.sites.get('shop') as SiteConfig;
    const verified = await verifyVisitorToken(
      site,
      await token(new TextEncoder().encode(SECRET), 'HS256'),
      'deputy',
    );
    expect(verified.ok).toBe(true);
    const err = await failure(withFile(shop({ keys })));
    expect(err.code).toBe('secret_missing');
    expect(err.message).toContain('SHOP_VISITOR_SECRET');
  });

  it('verifies tokens with an inline public JWK and refuses other keys and algorithms', async () => {
    const pair = await generateKeyPair('EdDSA', { crv: 'Ed25519' });
    const other = await generateKeyPair('EdDSA', { crv: 'Ed25519' });
    const jwk = await exportJWK(pair.publicKey);
    const site = (await loadConfig(withFile(shop({ keys: [{ type: 'jwk', jwk }] })))).sites.get(
      'shop',
    ) as SiteConfig;
    expect((await verifyVisitorToken(site, await token(pair.privateKey, 'EdDSA'), 'deputy')).ok).toBe(true);
    expect((await verifyVisitorToken(site, await token(other.privateKey, 'EdDSA'), 'deputy')).ok).toBe(false);
    // HS256 "signed" with the public key's bytes (algorithm confusion, A2).
    const confused = await token(new TextEncoder().encode(JSON.stringify(jwk)), 'HS256');
    expect(await verifyVisitorToken(site, confused, 'deputy')).toEqual({
      ok: false,
      code: 'unauthorized',
      reason: 'alg_not_allowed',
    });
  });
});

describe('JWKS keys', () => {
  const servers: Server[] = [];
  afterAll(() => {
    for (const s of servers) s.closeAllConnections();
    for (const s of servers) s.close();
  });

  async function serve(
    handler: Parameters<typeof createServer>[1],
  ): Promise<{ url: string; hits: () => number }> {
    let hits = 0;
    const srv = createServer((req, res) => {
      hits++;
      handler?.(req, res);
    });
    servers.push(srv);
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    return { url: `http://127.0.0.1:${(srv.address() as AddressInfo).port}/jwks.json`, hits: () => hits };
  }

  it("fetches the configured JWKS once, caches it, and never follows a token's jku (A11)", async () => {
    const pair = await generateKeyPair('ES256');
    const jwk = { ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'ES256' };
    const jwks = await serve((_req, res) => res.end(JSON.stringify({ keys: [jwk] })));
    const attacker = await serve((_req, res) => res.end('{"keys":[]}'));
    const site = (
      await loadConfig(withFile(shop({ keys: [{ type: 'jwks', url: jwks.url, algs: ['ES256'] }] })))
    ).sites.get('shop') as SiteConfig;
    const good = await token(pair.privateKey, 'ES256', {}, { kid: 'k1' });
    expect((await verifyVisitorToken(site, good, 'deputy')).ok).toBe(true);
    expect((await verifyVisitorToken(site, good, 'deputy')).ok).toBe(true);
    expect(jwks.hits()).toBe(1);
    const forged = await token(
      (await generateKeyPair('ES256')).privateKey,
      'ES256',
      {},
      { kid: 'k9', jku: attacker.url },
    );
    expect((await verifyVisitorToken(site, forged, 'deputy')).ok).toBe(false);
    expect(attacker.hits()).toBe(0);
  });

  it('gives up on a JWKS endpoint that does not answer within its timeout', async () => {
    const hanging = await serve(() => {});
    const site = (
      await loadConfig(
        withFile(shop({ keys: [{ type: 'jwks', url: hanging.url, algs: ['RS256'], timeoutMs: 200 }] })),
      )
    ).sites.get('shop') as SiteConfig;
    const started = Date.now();
    const pair = await generateKeyPair('RS256');
    const result = await verifyVisitorToken(site, await token(pair.privateKey, 'RS256'), 'deputy');
    expect(result).toMatchObject({ ok: false, code: 'unauthorized' });
    expect(Date.now() - started).toBeLessThan(5000);
  });
});

describe('a configured site end to end', () => {
  it('accepts chats from its own origin with its own tokens, and refuses other origins', async () => {
    const env = withFile(shop());
    const server = await startServer({ env: { DEPUTY_CONFIG: String(env.DEPUTY_CONFIG) } });
    try {
      const socket = await TestSocket.open(server.url, { origin: 'https://shop.example.com', site: 'shop' });
      socket.send({
        type: 'hello',
        v: 1,
        site: 'shop',
        token: await token(new TextEncoder().encode(SECRET), 'HS256'),
      });
      expect((await socket.next('welcome')).visitor.anonymous).toBe(false);
      socket.close();
      await expect(
        TestSocket.open(server.url, { origin: 'https://other.example.com', site: 'shop' }),
      ).rejects.toThrow('HTTP 403');
      // The demo site is not configured here, so the backend's own pages get no chat either.
      await expect(TestSocket.open(server.url, { origin: server.url, site: 'demo' })).rejects.toThrow(
        'HTTP 403',
      );
    } finally {
      await server.close();
      removeDataDir(server.dataDir);
    }
  });
});
