import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Kysely } from 'kysely';
import type { Database } from './schema.js';

/**
 * Where generated keys and secrets live (the MCP signing key, the confirmation key, sites'
 * generated HS256 secrets): files under the data directory's `keys/` with SQLite, the `secrets`
 * table with PostgreSQL, so nodes that share a database share them without sharing a disk
 * (docs/operations.md, "PostgreSQL").
 */
export interface SecretStore {
  /** Where they live, for messages (a directory or "the database"). */
  readonly where: string;
  /**
   * The named value. When absent: made by `make()` and stored (the first writer wins when two
   * processes race, and both get its value), or null when `create` is false.
   */
  value(
    name: string,
    make: () => Promise<string> | string,
    opts?: { create?: boolean },
  ): Promise<string | null>;
}

const NAME = /^[a-z0-9-]+$/;

function checkName(name: string): void {
  if (!NAME.test(name)) throw new Error(`bad secret name ${name}`);
}

/** 32 random bytes, base64url: a generated secret's value. */
export function randomSecret(): string {
  return randomBytes(32).toString('base64url');
}

/** The file of a named secret: `keys/mcp-signing.jwk.json` for the signing key, `keys/<name>.secret` else. */
export function secretFile(dataDir: string, name: string): string {
  checkName(name);
  return path.join(dataDir, 'keys', name === 'mcp-signing' ? 'mcp-signing.jwk.json' : `${name}.secret`);
}

/** Secrets as files in the data directory (the embedded default; what Deputy always did). */
export function fileSecrets(dataDir: string): SecretStore {
  return {
    where: path.join(dataDir, 'keys'),
    async value(name, make, opts = {}) {
      return readOrCreateFile(secretFile(dataDir, name), make, opts);
    },
  };
}

async function readOrCreateFile(
  file: string,
  make: () => Promise<string> | string,
  opts: { create?: boolean },
): Promise<string | null> {
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  if (opts.create === false) return null;
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const made = await make();
  // wx: two processes starting at once must not overwrite each other's secret.
  try {
    writeFileSync(file, made, { mode: 0o600, flag: 'wx' });
  } catch {
    // Created concurrently by another process: theirs counts.
  }
  return readFileSync(file, 'utf8').trim();
}

/** The same, synchronously (a file store only): the named secret's bytes, created on first use. */
export function readOrCreateSecretFile(dataDir: string, name: string): Uint8Array {
  const file = secretFile(dataDir, name);
  if (!existsSync(file)) {
    mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    try {
      writeFileSync(file, randomSecret(), { mode: 0o600, flag: 'wx' });
    } catch {
      // Created concurrently by another process: read theirs.
    }
  }
  return new Uint8Array(Buffer.from(readFileSync(file, 'utf8').trim(), 'base64url'));
}

/** Secrets in the `secrets` table: insert-if-absent, then read whatever won (nodes booting together). */
export function databaseSecrets(db: Kysely<Database>): SecretStore {
  const read = async (name: string) =>
    (await db.selectFrom('secrets').select('value').where('name', '=', name).executeTakeFirst())?.value ??
    null;
  return {
    where: 'the database (table secrets)',
    async value(name, make, opts = {}) {
      checkName(name);
      const found = await read(name);
      if (found !== null || opts.create === false) return found;
      await db
        .insertInto('secrets')
        .values({ name, value: await make(), created_at: new Date().toISOString() })
        .onConflict((oc) => oc.column('name').doNothing())
        .execute();
      // ON CONFLICT DO NOTHING returns nothing for the loser: read the winner's value.
      return read(name);
    },
  };
}

/** A generated secret's bytes from a store, created (32 random bytes) on first use. */
export async function storedSecret(secrets: SecretStore, name: string): Promise<Uint8Array> {
  const value = await secrets.value(name, randomSecret);
  return new Uint8Array(Buffer.from(value ?? '', 'base64url'));
}
