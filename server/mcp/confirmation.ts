import { createHash, createHmac, randomUUID, timingSafeEqual } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from '../store/schema.js';

/** The `_meta` key that carries a confirmation state on the confirmed tools/call (docs/architecture.md §4). */
export const CONFIRMATION_META_KEY = 'io.deputy/confirmation';
/** A confirmation is good for at most five minutes (issue 3). */
export const CONFIRMATION_TTL_S = 300;
const MAX_STATE_LENGTH = 2048;

/** What a signed state binds: who, for which customer, which tool, which exact change, until when. */
export interface ConfirmationClaims {
  v: 1;
  /** Single-use id, recorded when consumed. */
  id: string;
  /** The token subject that asked. */
  sub: string;
  /** The customer the write acts on (differs from `sub` only for staff). */
  customer: string;
  tool: string;
  /** The site (tenant) the write is for: a state from one site never confirms a write on another. */
  s?: string | null;
  /** SHA-256 of the canonical JSON of the normalised change. */
  h: string;
  /** Unix seconds. */
  exp: number;
}

export interface ConfirmationBinding {
  sub: string;
  /** The caller's site (`site` claim). */
  site?: string | null;
  customer: string;
  tool: string;
  /** The normalised change the visitor is asked to confirm (e.g. the E.164 phone, not the typed text). */
  change: unknown;
}

/** JSON with object keys sorted at every level, so equal changes hash equally. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}

export function changeHash(change: unknown): string {
  return createHash('sha256').update(canonicalJson(change)).digest('base64url');
}

/** Signs claims into an opaque `v1.<payload>.<mac>` string (HMAC-SHA256). */
export function signState(key: Uint8Array, claims: ConfirmationClaims): string {
  const payload = Buffer.from(JSON.stringify(claims)).toString('base64url');
  const mac = createHmac('sha256', key).update(`v1.${payload}`).digest('base64url');
  return `v1.${payload}.${mac}`;
}

function readState(key: Uint8Array, state: string): ConfirmationClaims | null {
  if (state.length > MAX_STATE_LENGTH) return null;
  const parts = state.split('.');
  if (parts.length !== 3 || parts[0] !== 'v1' || !parts[1] || !parts[2]) return null;
  const expected = createHmac('sha256', key).update(`v1.${parts[1]}`).digest();
  const given = Buffer.from(parts[2], 'base64url');
  // Constant-time comparison: the MAC must not be guessable byte by byte.
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
  try {
    const claims = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8')) as ConfirmationClaims;
    return claims.v === 1 && typeof claims.id === 'string' && typeof claims.exp === 'number' ? claims : null;
  } catch {
    return null;
  }
}

/**
 * Issues and redeems visitor confirmations. The state is signed, so the server keeps nothing until it
 * is used; used ids go into the database, so a replay is refused across requests and
 * process restarts (A10, W6).
 */
export class Confirmations {
  constructor(
    private readonly key: Uint8Array,
    private readonly db: Kysely<Database>,
    private readonly now: () => number = Date.now,
  ) {}

  issue(binding: ConfirmationBinding): { state: string; expiresAt: string } {
    const exp = Math.floor(this.now() / 1000) + CONFIRMATION_TTL_S;
    const claims: ConfirmationClaims = {
      v: 1,
      id: randomUUID(),
      sub: binding.sub,
      customer: binding.customer,
      tool: binding.tool,
      s: binding.site ?? null,
      h: changeHash(binding.change),
      exp,
    };
    return { state: signState(this.key, claims), expiresAt: new Date(exp * 1000).toISOString() };
  }

  /**
   * Checks a state against this exact call and, if it matches, consumes it. True at most once per
   * state, however many calls race with it.
   */
  async redeem(state: unknown, binding: ConfirmationBinding): Promise<boolean> {
    if (typeof state !== 'string') return false;
    const claims = readState(this.key, state);
    if (!claims) return false;
    const nowS = this.now() / 1000;
    if (claims.exp <= nowS || claims.exp > nowS + CONFIRMATION_TTL_S + 5) return false;
    if (claims.sub !== binding.sub || claims.customer !== binding.customer) return false;
    if ((claims.s ?? null) !== (binding.site ?? null)) return false;
    if (claims.tool !== binding.tool || claims.h !== changeHash(binding.change)) return false;
    const inserted = await this.db
      .insertInto('confirmation_uses')
      .values({
        id: claims.id,
        sub: claims.sub,
        tool: claims.tool,
        site_id: claims.s ?? 'demo',
        expires_at: claims.exp,
        used_at: new Date(this.now()).toISOString(),
      })
      .onConflict((oc) => oc.column('id').doNothing())
      .executeTakeFirst();
    // Expired ids can never be redeemed again anyway, so their rows are no longer needed.
    await this.db
      .deleteFrom('confirmation_uses')
      .where('expires_at', '<', Math.floor(nowS) - 60)
      .execute();
    return Number(inserted.numInsertedOrUpdatedRows ?? 0n) === 1;
  }
}
