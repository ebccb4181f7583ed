import { calculateJwkThumbprint, exportJWK, generateKeyPair, importJWK, type JWK } from 'jose';
import { DeputyError } from '../errors.js';
import { fileSecrets, readOrCreateSecretFile, type SecretStore } from '../store/secrets.js';

/** The backend's EdDSA signing key for MCP tokens, and its public JWK for `/.well-known/jwks.json`. */
export interface SigningKey {
  kid: string;
  privateKey: CryptoKey;
  publicKey: CryptoKey;
  publicJwk: JWK;
}

async function newPrivateJwk(): Promise<string> {
  const pair = await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true });
  const jwk = await exportJWK(pair.privateKey);
  jwk.kid = await calculateJwkThumbprint(jwk);
  return JSON.stringify(jwk);
}

/**
 * Loads the MCP signing key from where the store keeps secrets (a data directory's `keys/`, or the
 * database with PostgreSQL), generating it on first start. With `create: false` (the CLI) a missing
 * key is an error: a key minted elsewhere would sign tokens the running server refuses.
 */
export async function loadSigningKey(
  from: string | SecretStore,
  opts: { create?: boolean } = {},
): Promise<SigningKey> {
  const secrets = typeof from === 'string' ? fileSecrets(from) : from;
  const text = await secrets.value('mcp-signing', newPrivateJwk, opts);
  if (text === null) {
    throw new DeputyError(
      'data_dir_missing',
      `${secrets.where} holds no signing key (mcp-signing): start the server once with these settings, or point DEPUTY_DATA_DIR (or DATABASE_URL) at the server's data.`,
    );
  }
  const privateJwk = JSON.parse(text) as JWK;
  const { d: _d, ...pub } = privateJwk;
  const publicJwk: JWK = { ...pub, alg: 'EdDSA', use: 'sig' };
  return {
    kid: String(privateJwk.kid),
    privateKey: (await importJWK({ ...privateJwk, alg: 'EdDSA' }, 'EdDSA')) as CryptoKey,
    publicKey: (await importJWK(publicJwk, 'EdDSA')) as CryptoKey,
    publicJwk,
  };
}

/** Loads a generated secret (e.g. the demo site's HS256 secret) from a data directory, creating 32 random bytes on first use. */
export function loadOrCreateSecret(dataDir: string, name: string): Uint8Array {
  return readOrCreateSecretFile(dataDir, name);
}
