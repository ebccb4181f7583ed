import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportSPKI, generateKeyPair, type JWTPayload, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyVisitorToken } from '../../../server/auth/visitor-token.js';
import type { SiteConfig } from '../../../server/config.js';

/**
 * Group A of docs/threat-model.md at the visitor-token verifier: every forged, replayed or expired token
 * is refused before any session exists (the WebSocket tests check the 4401 close on top of this).
 */
const AUD = 'deputy';
const secretA = new TextEncoder().encode('site-a-secret-0123456789-abcdefghij');
const secretB = new TextEncoder().encode('site-b-secret-0123456789-abcdefghij');

function site(id: string, visitorKeys: SiteConfig['visitorKeys']): SiteConfig {
  return {
    id,
    origins: ['self'],
    visitorKeys,
    defaultScopes: ['crm.read', 'crm.contact.update.self', 'crm.ticket.create', 'crm.write'],
    anonymousScopes: ['crm.ticket.create'],
    phoneCountry: 'US',
    model: 'rules',
  };
}

const shopA = site('shop-a', [{ kind: 'hs256', secret: secretA }]);
let rsaSite: SiteConfig;
let rsaPem: string;
let attacker: Server;
let attackerHits = 0;
let attackerUrl = '';

beforeAll(async () => {
  const rsa = await generateKeyPair('RS256', { extractable: true });
  rsaPem = await exportSPKI(rsa.publicKey);
  rsaSite = site('shop-rsa', [{ kind: 'jwk', key: rsa.publicKey, alg: 'RS256' }]);
  attacker = createServer((_req, res) => {
    attackerHits++;
    res.end('{"keys":[]}');
  });
  await new Promise<void>((resolve) => attacker.listen(0, '127.0.0.1', resolve));
  attackerUrl = `http://127.0.0.1:${(attacker.address() as AddressInfo).port}`;
});
afterAll(() => new Promise((resolve) => attacker.close(resolve)));

function claims(extra: JWTPayload = {}): JWTPayload {
  const now = Math.floor(Date.now() / 1000);
  return { iss: 'shop-a', aud: AUD, sub: 'cus_alice', iat: now, exp: now + 3600, ...extra };
}
const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
const hs = (payload: JWTPayload, secret = secretA, header: Record<string, unknown> = {}) =>
  new SignJWT(payload).setProtectedHeader({ alg: 'HS256', typ: 'JWT', ...header }).sign(secret);

async function expectRefused(s: SiteConfig, token: string, code = 'unauthorized') {
  expect(await verifyVisitorToken(s, token, AUD)).toMatchObject({ ok: false, code });
}

describe('visitor tokens (docs/threat-model.md A)', () => {
  it('accepts a well-formed token (so the refusals below are about the attack)', async () => {
    const res = await verifyVisitorToken(shopA, await hs(claims()), AUD);
    expect(res).toMatchObject({ ok: true, identity: { sub: 'cus_alice', site: 'shop-a' } });
  });

  it('A1: refuses alg "none"', async () => {
    await expectRefused(shopA, `${b64({ alg: 'none', typ: 'JWT' })}.${b64(claims())}.`);
  });

  it('A2: refuses HS256 signed with the site’s RSA public-key PEM (algorithm confusion)', async () => {
    const token = await hs(claims({ iss: 'shop-rsa' }), new TextEncoder().encode(rsaPem));
    await expectRefused(rsaSite, token);
  });

  it('A3: refuses a token whose subject was changed after signing', async () => {
    const [h, , sig] = (await hs(claims())).split('.');
    await expectRefused(shopA, `${h}.${b64(claims({ sub: 'cus_bob' }))}.${sig}`);
  });

  it('A4: refuses a token that expired 10 minutes ago as expired (5 s leeway)', async () => {
    const now = Math.floor(Date.now() / 1000);
    await expectRefused(shopA, await hs(claims({ iat: now - 3600, exp: now - 600 })), 'token_expired');
    const justExpired = await verifyVisitorToken(shopA, await hs(claims({ exp: now - 2 })), AUD);
    expect(justExpired.ok).toBe(true);
  });

  it('A7: refuses another tenant’s issuer, and a token signed with another site’s secret (A12)', async () => {
    await expectRefused(shopA, await hs(claims({ iss: 'shop-b' })));
    await expectRefused(shopA, await hs(claims({ sub: 'cus_bob' }), secretB));
  });

  it('A8: refuses a missing exp, iat or sub, an nbf an hour ahead, and a lifetime over 24 h', async () => {
    const now = Math.floor(Date.now() / 1000);
    for (const drop of ['exp', 'iat', 'sub'] as const) {
      const c = claims();
      delete c[drop];
      await expectRefused(shopA, await hs(c));
    }
    await expectRefused(shopA, await hs(claims({ nbf: now + 3600 })));
    await expectRefused(shopA, await hs(claims({ exp: now + 3 * 86_400 })));
  });

  it('A9: refuses an MCP-shaped token and an anonymous subject as a visitor token', async () => {
    const mcpShaped = await new SignJWT(claims({ aud: 'http://127.0.0.1/mcp', scope: 'crm.any' }))
      .setProtectedHeader({ alg: 'HS256', typ: 'at+jwt' })
      .sign(secretA);
    await expectRefused(shopA, mcpShaped);
    await expectRefused(shopA, await hs(claims({ sub: 'anon:abc' })));
  });

  it('A11: ignores kid and jku pointing at an attacker: no fetch, only the configured key', async () => {
    const token = await hs(claims(), secretB, { kid: 'attacker', jku: `${attackerUrl}/jwks.json` });
    await expectRefused(shopA, token);
    expect(attackerHits).toBe(0);
  });

  it('S7: a scope claim can only narrow the site’s scopes; admin, * and crm.any are dropped', async () => {
    const res = await verifyVisitorToken(
      shopA,
      await hs(claims({ scope: 'crm.read crm.read admin * crm.any' })),
      AUD,
    );
    expect(res).toMatchObject({ ok: true, identity: { scopes: ['crm.read'] } });
  });
});
