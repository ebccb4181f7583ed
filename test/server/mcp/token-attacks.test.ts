import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, type JWTPayload, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSigningKey, type SigningKey } from '../../../server/auth/keys.js';
import { postMcp } from '../../helpers/mcp.js';
import { removeDataDir, startServer, type TestServer } from '../../helpers/server.js';
import { describeStores } from '../../helpers/stores.js';
import { visitorToken } from '../../helpers/tokens.js';
import { crmHash, visitor } from './support.js';

describeStores('MCP token attacks', (kind) => {
  let server: TestServer;
  let key: SigningKey;
  /** A listener standing in for an attacker's key server: it must never be contacted (A11). */
  let attacker: Server;
  let attackerHits = 0;
  let attackerUrl: string;

  beforeAll(async () => {
    server = await startServer({ store: kind });
    key = await loadSigningKey(server.app.deputy.store.secrets);
    attacker = createServer((_req, res) => {
      attackerHits++;
      res.end('{"keys":[]}');
    });
    await new Promise<void>((resolve) => attacker.listen(0, '127.0.0.1', resolve));
    attackerUrl = `http://127.0.0.1:${(attacker.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await server.close();
    await new Promise((resolve) => attacker.close(resolve));
    removeDataDir(server.dataDir);
  });

  const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');

  function claims(extra: JWTPayload = {}): JWTPayload {
    const now = Math.floor(Date.now() / 1000);
    return {
      iss: server.url,
      aud: `${server.url}/mcp`,
      sub: 'cus_alice',
      scope: 'crm.read crm.write crm.contact.update.self',
      jti: `j-${Math.random()}`,
      iat: now,
      exp: now + 120,
      ...extra,
    };
  }

  /** Signs with the server's own key, with full control over header and claims. */
  function sign(payload: JWTPayload, header: Record<string, unknown> = {}): Promise<string> {
    return new SignJWT(payload)
      .setProtectedHeader({ alg: 'EdDSA', typ: 'at+jwt', kid: key.kid, ...header })
      .sign(key.privateKey);
  }

  /** A write attempt with the token: must be 401 with a Bearer challenge, and change nothing. */
  async function expectRefused(token: string, error = 'invalid_token') {
    const before = await crmHash(server);
    const res = await postMcp(
      server,
      {
        jsonrpc: '2.0',
        id: 1,
        method: 'tools/call',
        params: { name: 'update_phone_number', arguments: { phone: '+1 212 555 0100' } },
      },
      { authorization: `Bearer ${token}` },
    );
    expect(res.status).toBe(401);
    const challenge = res.headers.get('www-authenticate') ?? '';
    expect(challenge).toContain(`Bearer error="${error}"`);
    expect(challenge).toContain('resource_metadata="');
    expect(await res.text()).not.toContain('cus_alice');
    expect(await crmHash(server)).toBe(before);
  }

  describe('MCP token forgery, replay and expiry (docs/threat-model.md A)', () => {
    it('accepts a well-formed token (so the refusals below are about the attack)', async () => {
      const res = await postMcp(
        server,
        { jsonrpc: '2.0', id: 1, method: 'tools/list', params: {} },
        { authorization: `Bearer ${await sign(claims())}` },
      );
      expect(res.status).toBe(200);
    });

    it('A1: refuses alg "none"', async () => {
      await expectRefused(`${b64({ alg: 'none', typ: 'at+jwt' })}.${b64(claims())}.`);
    });

    it('A2: refuses HS256 signed with the public key (algorithm confusion)', async () => {
      const publicBytes = new TextEncoder().encode(JSON.stringify(key.publicJwk));
      const xBytes = Buffer.from(String(key.publicJwk.x), 'base64url');
      for (const secret of [publicBytes, new Uint8Array(xBytes)]) {
        const token = await new SignJWT(claims())
          .setProtectedHeader({ alg: 'HS256', typ: 'at+jwt' })
          .sign(secret);
        await expectRefused(token);
      }
    });

    it('A3: refuses a token whose subject was changed after signing', async () => {
      const [h, , sig] = (await sign(claims())).split('.');
      await expectRefused(`${h}.${b64(claims({ sub: 'cus_bob' }))}.${sig}`);
    });

    it('A4: refuses a token that expired 10 minutes ago', async () => {
      const now = Math.floor(Date.now() / 1000);
      await expectRefused(await sign(claims({ iat: now - 900, exp: now - 600 })));
    });

    it('A5: re-checks expiry on every request, even for a cached token', async () => {
      const now = Math.floor(Date.now() / 1000);
      const token = await sign(claims({ exp: now + 2 }));
      const ok = await postMcp(
        server,
        { jsonrpc: '2.0', id: 1, method: 'tools/list', params: {} },
        { authorization: `Bearer ${token}` },
      );
      expect(ok.status).toBe(200);
      await new Promise((r) => setTimeout(r, (now + 2 - Date.now() / 1000) * 1000 + 200));
      await expectRefused(token);
    });

    it('A6: refuses a token for another audience (the widget audience: no passthrough)', async () => {
      await expectRefused(await sign(claims({ aud: 'deputy' })));
      await expectRefused(await sign(claims({ aud: 'chat' })));
    });

    it('A7: refuses another issuer, and a token signed with another key', async () => {
      await expectRefused(await sign(claims({ iss: 'https://other-tenant.example' })));
      const other = await generateKeyPair('EdDSA', { crv: 'Ed25519' });
      const token = await new SignJWT(claims())
        .setProtectedHeader({ alg: 'EdDSA', typ: 'at+jwt', kid: key.kid })
        .sign(other.privateKey);
      await expectRefused(token);
    });

    it('A8: refuses a missing jti, exp or iat, an nbf in the future, and a lifetime over 5 minutes', async () => {
      const now = Math.floor(Date.now() / 1000);
      for (const drop of ['jti', 'exp', 'iat', 'sub'] as const) {
        const c = claims();
        delete c[drop];
        await expectRefused(await sign(c));
      }
      await expectRefused(await sign(claims({ nbf: now + 3600 })));
      await expectRefused(await sign(claims({ exp: now + 3600 })));
    });

    it('A9: refuses a visitor token, and a token of the right key not typed at+jwt', async () => {
      await expectRefused(await visitorToken(server, 'cus_alice'));
      await expectRefused(await sign(claims(), { typ: 'JWT' }));
    });

    it('A11: ignores kid, jku, x5u and an embedded jwk pointing at an attacker; fetches nothing', async () => {
      const evil = await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true });
      const evilJwk = await exportJWK(evil.publicKey);
      const token = await new SignJWT(claims())
        .setProtectedHeader({
          alg: 'EdDSA',
          typ: 'at+jwt',
          kid: 'attacker',
          jku: `${attackerUrl}/jwks.json`,
          x5u: `${attackerUrl}/cert.pem`,
          jwk: evilJwk,
        })
        .sign(evil.privateKey);
      await expectRefused(token);
      expect(attackerHits).toBe(0);
    });

    it('answers a malformed Authorization header with invalid_request', async () => {
      for (const header of ['Bearer', 'Bearer a.b', 'Basic dXNlcjpwYXNz', `Bearer ${'a'.repeat(20)}`]) {
        const res = await postMcp(
          server,
          { jsonrpc: '2.0', id: 1, method: 'tools/list' },
          { authorization: header },
        );
        expect(res.status).toBe(401);
        expect(res.headers.get('www-authenticate')).toContain('error="invalid_request"');
      }
    });

    it('checks Origin when present: a foreign page gets 403, the own origin is served', async () => {
      const token = await visitor(server, 'cus_alice');
      const body = { jsonrpc: '2.0', id: 1, method: 'tools/list', params: {} };
      const evil = await postMcp(server, body, {
        authorization: `Bearer ${token}`,
        origin: 'https://evil.example',
      });
      expect(evil.status).toBe(403);
      const own = await postMcp(server, body, {
        authorization: `Bearer ${token}`,
        origin: new URL(server.url).origin,
      });
      expect(own.status).toBe(200);
    });
  });
});
