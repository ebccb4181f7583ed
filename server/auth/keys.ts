import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, importJWK, type JWK } from 'jose';
import { DeputyError } from '../errors.js';

/** The backend's EdDSA signing key for MCP tokens, and its public JWK for `/.well-known/jwks.json`. */
export interface SigningKey {
  kid: string;
  privateKey: CryptoKey;
  publicKey: CryptoKey;
  publicJwk: JWK;
}

function keysDir(dataDir: string): string {
  const dir = path.join(dataDir, 'keys');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  return dir;
}

/**
 * Loads the MCP signing key from the data directory, generating it on first start. With
 * `create: false` (the CLI) a missing key is an error: a key minted elsewhere would sign tokens
 * the running server refuses.
 */
export async function loadSigningKey(dataDir: string, opts: { create?: boolean } = {}): Promise<SigningKey> {
  if (opts.create === false && !existsSync(path.join(dataDir, 'keys', 'mcp-signing.jwk.json'))) {
    throw new DeputyError(
      'data_dir_missing',
      `${dataDir} holds no signing key (keys/mcp-signing.jwk.json): start the server once with this DEPUTY_DATA_DIR, or point DEPUTY_DATA_DIR at the server's data directory.`,
    );
  }
  const file = path.join(keysDir(dataDir), 'mcp-signing.jwk.json');
  let privateJwk: JWK;
  if (existsSync(file)) {
    privateJwk = JSON.parse(readFileSync(file, 'utf8')) as JWK;
  } else {
    const pair = await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true });
    privateJwk = await exportJWK(pair.privateKey);
    privateJwk.kid = await calculateJwkThumbprint(privateJwk);
    // wx: two processes starting at once must not overwrite each other's key.
    try {
      writeFileSync(file, JSON.stringify(privateJwk), { mode: 0o600, flag: 'wx' });
    } catch {
      privateJwk = JSON.parse(readFileSync(file, 'utf8')) as JWK;
    }
  }
  const { d: _d, ...pub } = privateJwk;
  const publicJwk: JWK = { ...pub, alg: 'EdDSA', use: 'sig' };
  return {
    kid: String(privateJwk.kid),
    privateKey: (await importJWK({ ...privateJwk, alg: 'EdDSA' }, 'EdDSA')) as CryptoKey,
    publicKey: (await importJWK(publicJwk, 'EdDSA')) as CryptoKey,
    publicJwk,
  };
}

/** Loads a generated secret (e.g. the demo site's HS256 secret), creating 32 random bytes on first use. */
export function loadOrCreateSecret(dataDir: string, name: string): Uint8Array {
  if (!/^[a-z0-9-]+$/.test(name)) throw new Error(`bad secret name ${name}`);
  const file = path.join(keysDir(dataDir), `${name}.secret`);
  if (!existsSync(file)) {
    try {
      writeFileSync(file, randomBytes(32).toString('base64url'), { mode: 0o600, flag: 'wx' });
    } catch {
      // Created concurrently by another process: read theirs.
    }
  }
  return new Uint8Array(Buffer.from(readFileSync(file, 'utf8').trim(), 'base64url'));
}
