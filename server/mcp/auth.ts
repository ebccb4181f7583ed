import { createLocalJWKSet, type JSONWebKeySet, errors as joseErrors, jwtVerify } from 'jose';
import { parseScopes, type Scope } from '../../shared/scopes.js';

/** What the MCP server knows about a caller: only what a verified MCP token says. */
export interface McpCaller {
  sub: string;
  scopes: Scope[];
  /** `crm.any`: staff, ownership lifted. */
  staff: boolean;
  anonymous: boolean;
  jti: string;
  client: string;
  cid: string | null;
  /** The site the visitor came from (`site` claim): picks the default phone country. */
  site: string | null;
  /** The visitor's verified email (`email` claim), for sites that find customers by email. */
  email: string | null;
  exp: number;
  token: string;
  /**
   * Set only for an operator's own MCP client (OAuth, docs/staff-mcp.md): `sub` is the operator,
   * `site` their site. Only these callers see the staff tools and resources.
   */
  operator: { role: 'agent' | 'admin'; grant: string } | null;
}

export type McpAuthFailure = { status: 401; error: 'invalid_token' | 'invalid_request'; description: string };

export interface McpVerifierOptions {
  jwks: JSONWebKeySet;
  issuer: () => string;
  audience: () => string;
  /**
   * Whether an operator token's grant is still live for that operator and site; asked on every
   * request (never cached), so a revoked grant or removed operator is refused at once.
   */
  operatorActive?: (grant: string, operatorId: string, site: string | null) => Promise<boolean>;
}

const SUB_PATTERN = /^[A-Za-z0-9_.:@-]{1,128}$/;
const SITE_PATTERN = /^[A-Za-z0-9_.-]{1,64}$/;
const EMAIL_PATTERN = /^[^\s@]{1,64}@[^\s@]{1,190}$/;
/** MCP tokens live at most five minutes (docs/architecture.md §3), plus a little clock skew. */
const MAX_LIFETIME_S = 300 + 5;

/**
 * Verifies MCP access tokens (docs/architecture.md §3): EdDSA only, typ at+jwt, issuer, audience = this server's
 * canonical URL, exp, jti. Header `kid`/`jku` never cause a fetch: only the configured keys are used
 * (A11). A verified token's claims are cached for its lifetime (docs/architecture.md §7).
 */
export class McpTokenVerifier {
  readonly #keys: ReturnType<typeof createLocalJWKSet>;
  readonly #cache = new Map<string, McpCaller>();

  constructor(private readonly opts: McpVerifierOptions) {
    this.#keys = createLocalJWKSet(opts.jwks);
  }

  async verify(
    authorization: string | undefined,
  ): Promise<{ ok: true; caller: McpCaller } | { ok: false; failure: McpAuthFailure }> {
    if (!authorization) return fail('invalid_token', 'missing bearer token');
    const match = /^Bearer ([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*)$/.exec(authorization);
    if (!match?.[1]) return fail('invalid_request', 'malformed Authorization header');
    const token = match[1];
    const now = Date.now() / 1000;
    const cached = this.#cache.get(token);
    if (cached) {
      if (cached.exp > now) return this.#stillActive(cached);
      this.#cache.delete(token);
    }
    try {
      const { payload } = await jwtVerify(token, this.#keys, {
        algorithms: ['EdDSA'],
        typ: 'at+jwt',
        issuer: this.opts.issuer(),
        audience: this.opts.audience(),
        requiredClaims: ['exp', 'iat', 'jti', 'sub'],
        maxTokenAge: '6m',
      });
      if (typeof payload.sub !== 'string' || !SUB_PATTERN.test(payload.sub))
        return fail('invalid_token', 'bad subject');
      if (typeof payload.jti !== 'string' || payload.jti.length > 128)
        return fail('invalid_token', 'bad jti');
      if ((payload.exp ?? 0) - (payload.iat ?? 0) > MAX_LIFETIME_S)
        return fail('invalid_token', 'token lifetime too long');
      const scopes = parseScopes(payload.scope, { allowStaff: true });
      const caller: McpCaller = {
        sub: payload.sub,
        scopes,
        staff: scopes.includes('crm.any'),
        anonymous: payload.sub.startsWith('anon:'),
        jti: payload.jti,
        client: typeof payload.client === 'string' ? payload.client.slice(0, 64) : 'unknown',
        cid: typeof payload.cid === 'string' ? payload.cid.slice(0, 64) : null,
        site: typeof payload.site === 'string' && SITE_PATTERN.test(payload.site) ? payload.site : null,
        email: typeof payload.email === 'string' && EMAIL_PATTERN.test(payload.email) ? payload.email : null,
        exp: payload.exp as number,
        token,
        operator: operatorClaims(payload),
      };
      if (this.#cache.size > 50_000) this.#cache.clear();
      this.#cache.set(token, caller);
      return this.#stillActive(caller);
    } catch (err) {
      if (err instanceof joseErrors.JWTExpired) return fail('invalid_token', 'token expired');
      if (err instanceof joseErrors.JWTClaimValidationFailed)
        return fail('invalid_token', `bad ${err.claim} claim`);
      return fail('invalid_token', 'token could not be verified');
    }
  }

  async #stillActive(
    caller: McpCaller,
  ): Promise<{ ok: true; caller: McpCaller } | { ok: false; failure: McpAuthFailure }> {
    if (!caller.operator) return { ok: true, caller };
    const check = this.opts.operatorActive;
    // Without a grant store (the standalone MCP server) operator tokens cannot be checked: refused.
    if (!check || !(await check(caller.operator.grant, caller.sub, caller.site)))
      return fail('invalid_token', 'grant revoked');
    return { ok: true, caller };
  }
}

const GRANT_PATTERN = /^gr_[A-Za-z0-9_-]{16}$/;

/** The operator claims of an OAuth-issued token, only when both are well formed. */
function operatorClaims(payload: Record<string, unknown>): McpCaller['operator'] {
  const { role, gid } = payload;
  if ((role !== 'agent' && role !== 'admin') || typeof gid !== 'string' || !GRANT_PATTERN.test(gid))
    return null;
  return { role, grant: gid };
}

function fail(error: McpAuthFailure['error'], description: string): { ok: false; failure: McpAuthFailure } {
  return { ok: false, failure: { status: 401, error, description } };
}
