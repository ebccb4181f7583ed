import { createLocalJWKSet, exportJWK, generateKeyPair, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyVisitorToken } from '../../../server/auth/visitor-token.js';
import type { SiteConfig } from '../../../server/config.js';
import type { LogStream } from '../../../server/logging.js';
import { removeDataDir, startServer, type TestServer } from '../../helpers/server.js';
import { demoSecret } from '../../helpers/tokens.js';
import { TestSocket } from '../../helpers/ws-client.js';

let server: TestServer;
const lines: string[] = [];
const logStream: LogStream = { write: (line: string) => void lines.push(line) } as LogStream;

beforeAll(async () => {
  server = await startServer({ env: { LOG_LEVEL: 'info' }, logStream });
});
afterAll(async () => {
  await server.close();
  removeDataDir(server.dataDir);
});

/** A demo-site token with the given tweaks, signed with `secret` (the demo site's by default). */
function token(over: { secret?: Uint8Array; aud?: string; iss?: string; exp?: number; alg?: string } = {}) {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({})
    .setProtectedHeader({ alg: over.alg ?? 'HS256', typ: 'JWT' })
    .setIssuer(over.iss ?? 'demo')
    .setAudience(over.aud ?? 'deputy')
    .setSubject('cus_alice')
    .setIssuedAt(now - 120)
    .setExpirationTime(over.exp ?? now + 600)
    .sign(over.secret ?? demoSecret(server.dataDir));
}

/** Says hello with `jwt` and returns the error code the widget is told. */
async function refusedAs(jwt: string): Promise<string> {
  const socket = await TestSocket.open(server.url);
  socket.send({ type: 'hello', v: 1, site: 'demo', token: jwt });
  const err = await socket.next('error');
  await socket.waitClose();
  return err.type === 'error' ? err.code : '';
}

async function refusals(): Promise<Record<string, number>> {
  const text = await (await fetch(`${server.url}/metrics`)).text();
  const out: Record<string, number> = {};
  for (const m of text.matchAll(/^deputy_visitor_token_refusals_total\{reason="(\w+)"\} (\d+)$/gm)) {
    out[m[1] ?? ''] = Number(m[2]);
  }
  return out;
}

describe('a refused visitor token explains itself', () => {
  it('logs and counts the reason, while the widget is told only unauthorized or token_expired', async () => {
    const now = Math.floor(Date.now() / 1000);
    const cases: [string, string, string][] = [
      ['expired', await token({ exp: now - 60 }), 'token_expired'],
      ['bad_signature', await token({ secret: new TextEncoder().encode('x'.repeat(32)) }), 'unauthorized'],
      ['wrong_audience', await token({ aud: 'someone-else' }), 'unauthorized'],
      ['wrong_issuer', await token({ iss: 'other-site' }), 'unauthorized'],
      ['malformed', 'not.a.jwt', 'unauthorized'],
      ['alg_not_allowed', `${btoa('{"alg":"none"}').replace(/=/g, '')}.e30.`, 'unauthorized'],
    ];
    for (const [reason, jwt, wire] of cases) {
      expect(await refusedAs(jwt), reason).toBe(wire);
      expect(
        lines.some(
          (l) => l.includes(`"reason":"${reason}"`) && l.includes(`visitor token refused: ${reason}`),
        ),
        `log line for ${reason}`,
      ).toBe(true);
    }
    const counted = await refusals();
    for (const [reason] of cases) expect(counted[reason], reason).toBe(1);
    // The token itself never reaches the log.
    expect(lines.join('\n')).not.toContain(cases[0]?.[1] ?? '-');
  });

  it('names an unknown key id for a JWKS site whose key set lacks the token kid', async () => {
    const { publicKey, privateKey } = await generateKeyPair('ES256');
    const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'ES256' };
    const site = {
      id: 'shop',
      visitorKeys: [
        {
          kind: 'jwks',
          url: 'https://id.example.com/jwks',
          algs: ['ES256'],
          keySet: createLocalJWKSet({ keys: [jwk] }),
        },
      ],
      defaultScopes: [],
      anonymousScopes: [],
    } as unknown as SiteConfig;
    const jwt = await new SignJWT({})
      .setProtectedHeader({ alg: 'ES256', kid: 'k2' })
      .setIssuer('shop')
      .setAudience('deputy')
      .setSubject('cus_alice')
      .setIssuedAt()
      .setExpirationTime('5m')
      .sign(privateKey);
    expect(await verifyVisitorToken(site, jwt, 'deputy')).toEqual({
      ok: false,
      code: 'unauthorized',
      reason: 'unknown_key_id',
    });
  });
});
