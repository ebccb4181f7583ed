import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { signVisitorToken } from '../../server/auth/visitor-token.js';
import { storedSecret } from '../../server/store/secrets.js';

/** The demo site's generated secret in a test data directory. */
export function demoSecret(dataDir: string): Uint8Array {
  return new Uint8Array(
    Buffer.from(readFileSync(path.join(dataDir, 'keys', 'site-demo.secret'), 'utf8').trim(), 'base64url'),
  );
}

/** A demo visitor token for `sub`, as the demo page would mint it. */
const NAMES: Record<string, string> = { cus_alice: 'Alice Martin', cus_bob: 'Bob Chen' };

/**
 * Where the demo site's secret is: a data directory, or a running server, whose store may keep it in
 * PostgreSQL (helpers/stores.ts).
 */
export type SecretSource = string | { dataDir: string; app?: FastifyInstance };

async function demoSecretOf(from: SecretSource): Promise<Uint8Array> {
  if (typeof from === 'string') return demoSecret(from);
  if (from.app) return storedSecret(from.app.deputy.store.secrets, 'site-demo');
  return demoSecret(from.dataDir);
}

export async function visitorToken(
  from: SecretSource,
  sub: string,
  extra: { scope?: string; ttlSeconds?: number; name?: string } = {},
) {
  const name = NAMES[sub];
  return signVisitorToken({
    secret: await demoSecretOf(from),
    site: 'demo',
    audience: 'deputy',
    sub,
    ...(name ? { name } : {}),
    ...extra,
  });
}
