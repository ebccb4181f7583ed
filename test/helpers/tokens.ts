import { readFileSync } from 'node:fs';
import path from 'node:path';
import { signVisitorToken } from '../../server/auth/visitor-token.js';

/** The demo site's generated secret in a test data directory. */
export function demoSecret(dataDir: string): Uint8Array {
  return new Uint8Array(
    Buffer.from(readFileSync(path.join(dataDir, 'keys', 'site-demo.secret'), 'utf8').trim(), 'base64url'),
  );
}

/** A demo visitor token for `sub`, as the demo page would mint it. */
const NAMES: Record<string, string> = { cus_alice: 'Alice Martin', cus_bob: 'Bob Chen' };

export function visitorToken(
  dataDir: string,
  sub: string,
  extra: { scope?: string; ttlSeconds?: number; name?: string } = {},
) {
  const name = NAMES[sub];
  return signVisitorToken({
    secret: demoSecret(dataDir),
    site: 'demo',
    audience: 'deputy',
    sub,
    ...(name ? { name } : {}),
    ...extra,
  });
}
