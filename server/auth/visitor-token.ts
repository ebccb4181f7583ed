import { randomBytes } from 'node:crypto';
import { type JWTPayload, errors as joseErrors, jwtVerify, SignJWT } from 'jose';
import { parseScopes, type Scope } from '../../shared/scopes.js';
import type { SiteConfig } from '../config.js';

/** Who is on the other end of a chat session, derived only from a verified token (or its absence). */
export interface VisitorIdentity {
  site: string;
  /** CRM customer id, or `anon:<random>` for a visitor without a token. */
  sub: string;
  anonymous: boolean;
  name: string | null;
  email: string | null;
  scopes: Scope[];
  /** Seconds since the epoch at which the visitor token expires (null for anonymous). */
  exp: number | null;
}

export type VisitorTokenError = 'unauthorized' | 'token_expired';

/**
 * Why a visitor token was refused, for the log and `deputy_visitor_token_refusals_total` only: the
 * widget is told just `unauthorized` or `token_expired`, so a forger learns nothing (A9, A11).
 */
export const REFUSAL_REASONS = [
  'expired',
  'bad_signature',
  'wrong_audience',
  'wrong_issuer',
  'unknown_key_id',
  'alg_not_allowed',
  'bad_claims',
  'keys_unavailable',
  'malformed',
] as const;
export type RefusalReason = (typeof REFUSAL_REASONS)[number];

/** The reason a jose (or our own) verification error stands for. */
function reasonOf(err: unknown): RefusalReason {
  if (err instanceof joseErrors.JWTExpired) return 'expired';
  if (err instanceof joseErrors.JWSSignatureVerificationFailed) return 'bad_signature';
  if (err instanceof joseErrors.JOSEAlgNotAllowed) return 'alg_not_allowed';
  if (err instanceof joseErrors.JWKSNoMatchingKey) return 'unknown_key_id';
  // The site's JWKS URL timed out, failed or served no usable key set.
  if (err instanceof joseErrors.JWKSTimeout || err instanceof joseErrors.JWKSInvalid)
    return 'keys_unavailable';
  if (err instanceof TypeError && /fetch/i.test(err.message)) return 'keys_unavailable';
  if (err instanceof joseErrors.JWTClaimValidationFailed) {
    if (err.claim === 'aud') return 'wrong_audience';
    if (err.claim === 'iss') return 'wrong_issuer';
    return 'bad_claims';
  }
  if (err instanceof ClaimsRefused) return 'bad_claims';
  return 'malformed';
}

/** With several keys, the reason from the key that got furthest: a failed claim means the signature held. */
const PRECEDENCE: readonly RefusalReason[] = [
  'expired',
  'wrong_audience',
  'wrong_issuer',
  'bad_claims',
  'alg_not_allowed',
  'unknown_key_id',
  'bad_signature',
  'keys_unavailable',
  'malformed',
];

/** A token whose signature held but whose subject or lifetime Deputy refuses. */
class ClaimsRefused extends Error {}

const CLOCK_TOLERANCE_S = 5;
const MAX_LIFETIME_S = 24 * 3600;
const SUB_PATTERN = /^[A-Za-z0-9_.:@-]{1,128}$/;

/** Verifies a visitor token against the site's configured keys (docs/architecture.md §3, RFC 8725). */
export async function verifyVisitorToken(
  site: SiteConfig,
  token: string,
  audience: string,
): Promise<
  { ok: true; identity: VisitorIdentity } | { ok: false; code: VisitorTokenError; reason: RefusalReason }
> {
  let reason: RefusalReason = 'malformed';
  for (const key of site.visitorKeys) {
    try {
      const payload = await verifyWithKey(key, token, site.id, audience);
      return { ok: true, identity: identityFromPayload(site, payload) };
    } catch (err) {
      const r = reasonOf(err);
      if (PRECEDENCE.indexOf(r) < PRECEDENCE.indexOf(reason)) reason = r;
    }
  }
  return { ok: false, code: reason === 'expired' ? 'token_expired' : 'unauthorized', reason };
}

async function verifyWithKey(
  key: SiteConfig['visitorKeys'][number],
  token: string,
  issuer: string,
  audience: string,
): Promise<JWTPayload> {
  const options = {
    issuer,
    audience,
    clockTolerance: CLOCK_TOLERANCE_S,
    maxTokenAge: MAX_LIFETIME_S + CLOCK_TOLERANCE_S,
    requiredClaims: ['exp', 'iat', 'sub'],
  };
  let payload: JWTPayload;
  if (key.kind === 'hs256') {
    ({ payload } = await jwtVerify(token, key.secret, { ...options, algorithms: ['HS256'] }));
  } else if (key.kind === 'jwk') {
    ({ payload } = await jwtVerify(token, key.key, { ...options, algorithms: [key.alg] }));
  } else {
    // Only the configured URL is fetched: a token's `jku` or unknown `kid` never picks a key (A11).
    ({ payload } = await jwtVerify(token, key.keySet, { ...options, algorithms: key.algs }));
  }
  // An MCP token (typ at+jwt) is never a visitor token (A9).
  if (typeof payload.sub !== 'string' || !SUB_PATTERN.test(payload.sub) || payload.sub.startsWith('anon:')) {
    throw new ClaimsRefused('bad sub');
  }
  if ((payload.exp ?? 0) - (payload.iat ?? 0) > MAX_LIFETIME_S) throw new ClaimsRefused('lifetime too long');
  return payload;
}

function identityFromPayload(site: SiteConfig, payload: JWTPayload): VisitorIdentity {
  const claimed = payload.scope === undefined ? null : parseScopes(payload.scope);
  // A token may narrow the site's scopes, never widen them; crm.any is never granted (S7).
  const scopes =
    claimed === null ? site.defaultScopes : claimed.filter((s) => site.defaultScopes.includes(s));
  return {
    site: site.id,
    sub: payload.sub as string,
    anonymous: false,
    name: typeof payload.name === 'string' ? payload.name.slice(0, 100) : null,
    email: typeof payload.email === 'string' ? payload.email.slice(0, 254) : null,
    scopes,
    exp: payload.exp ?? null,
  };
}

/** An anonymous visitor: a random subject and the site's anonymous scopes. */
export function anonymousIdentity(site: SiteConfig): VisitorIdentity {
  return {
    site: site.id,
    sub: `anon:${randomBytes(12).toString('base64url')}`,
    anonymous: true,
    name: null,
    email: null,
    scopes: site.anonymousScopes,
    exp: null,
  };
}

/** Signs a visitor token with an HS256 site secret (the demo page and the CLI use this). */
export async function signVisitorToken(opts: {
  secret: Uint8Array;
  site: string;
  audience: string;
  sub: string;
  name?: string;
  email?: string;
  scope?: string;
  ttlSeconds?: number;
}): Promise<string> {
  const claims: Record<string, string> = {};
  if (opts.name) claims.name = opts.name;
  if (opts.email) claims.email = opts.email;
  if (opts.scope) claims.scope = opts.scope;
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setIssuer(opts.site)
    .setAudience(opts.audience)
    .setSubject(opts.sub)
    .setIssuedAt()
    .setExpirationTime(`${opts.ttlSeconds ?? 3600}s`)
    .sign(opts.secret);
}
