import { createRemoteJWKSet, importJWK, type JWK } from 'jose';
import type { KeyAlg, VisitorKey } from '../config.js';
import { DeputyError } from '../errors.js';
import { fileSecrets, type SecretStore, storedSecret } from '../store/secrets.js';
import type { KeyEntry } from './schema.js';

const ALG_BY_KTY: Record<string, KeyAlg> = { OKP: 'EdDSA', EC: 'ES256', RSA: 'RS256' };
const KEY_ALGS: readonly string[] = ['EdDSA', 'ES256', 'RS256'];

/**
 * Turns a validated key entry into a ready verification key: secrets read, JWKs imported once at
 * boot (not per token), JWKS URLs wrapped in jose's remote key set, which caches the keys, bounds
 * each fetch with a timeout and rate-limits refetches on unknown `kid`s.
 */
export async function resolveKey(
  siteId: string,
  entry: KeyEntry,
  where: string,
  ctx: { dataDir: string; env: NodeJS.ProcessEnv; secrets?: SecretStore | undefined },
): Promise<VisitorKey> {
  if (entry.type === 'hs256') {
    if (entry.generate) {
      const secrets = ctx.secrets ?? fileSecrets(ctx.dataDir);
      return { kind: 'hs256', secret: await storedSecret(secrets, `site-${siteId}`) };
    }
    if (entry.secretEnv !== undefined) {
      const value = ctx.env[entry.secretEnv];
      if (!value)
        throw new DeputyError('secret_missing', `${where}.secretEnv: ${entry.secretEnv} is not set.`);
      if (value.length < 32) {
        throw new DeputyError(
          'config_invalid',
          `${where}.secretEnv: ${entry.secretEnv} is shorter than 32 characters.`,
        );
      }
      return { kind: 'hs256', secret: new TextEncoder().encode(value) };
    }
    return { kind: 'hs256', secret: new TextEncoder().encode(entry.secret ?? '') };
  }
  if (entry.type === 'jwk') {
    const jwkAlg =
      typeof entry.jwk.alg === 'string' && KEY_ALGS.includes(entry.jwk.alg) ? entry.jwk.alg : null;
    const alg = (entry.alg ?? jwkAlg ?? ALG_BY_KTY[entry.jwk.kty]) as KeyAlg;
    try {
      const key = await importJWK(entry.jwk as JWK, alg);
      if (key instanceof Uint8Array) throw new Error('a symmetric key is not a public key');
      return { kind: 'jwk', key, alg };
    } catch (err) {
      const why = err instanceof Error ? err.message : String(err);
      throw new DeputyError('config_invalid', `${where}.jwk: not a usable ${alg} public key (${why}).`);
    }
  }
  const keySet = createRemoteJWKSet(new URL(entry.url), {
    timeoutDuration: entry.timeoutMs ?? 3000,
    cacheMaxAge: (entry.cacheSeconds ?? 600) * 1000,
    cooldownDuration: 30_000,
  });
  return { kind: 'jwks', url: entry.url, algs: entry.algs, keySet };
}
