import { randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
import type { Scope } from '../../shared/scopes.js';
import type { SigningKey } from './keys.js';

/** MCP tokens live at most five minutes (docs/architecture.md §3). */
export const MCP_TOKEN_MAX_TTL_S = 300;
/** A cached token is replaced this long before it expires, so a call never carries a dying token. */
const REFRESH_MARGIN_S = 30;

export interface McpTokenClaims {
  sub: string;
  scopes: readonly Scope[];
  /** Conversation id, carried as `cid` for the audit log. */
  cid?: string;
  /** Client name recorded in the audit log (`client` claim). */
  client?: string;
  /** The visitor's site (`site` claim): the MCP server takes the default phone country from it. */
  site?: string;
  /** RFC 8693 actor: an operator reading a customer's record beside a conversation (docs/architecture.md §3). */
  act?: { sub: string };
  /** The visitor's verified email (`email` claim), for sites that find customers by email. */
  email?: string;
  /**
   * An operator's own MCP client (OAuth, docs/staff-mcp.md): `role` and `gid` (the grant) claims.
   * The MCP server checks the grant on every request, so revoking it stops the token at once.
   */
  operator?: { role: 'agent' | 'admin'; grant: string };
}

/** Signs one MCP access token: EdDSA, typ at+jwt, aud = the MCP server's canonical URL. */
export async function signMcpToken(
  key: SigningKey,
  opts: { issuer: string; audience: string; ttlSeconds?: number },
  claims: McpTokenClaims,
): Promise<string> {
  const ttl = Math.min(opts.ttlSeconds ?? MCP_TOKEN_MAX_TTL_S, MCP_TOKEN_MAX_TTL_S);
  const body: Record<string, unknown> = {
    scope: claims.scopes.join(' '),
    client: claims.client ?? 'deputy-chat',
  };
  if (claims.cid) body.cid = claims.cid;
  if (claims.site) body.site = claims.site;
  if (claims.act) body.act = { sub: claims.act.sub };
  if (claims.email) body.email = claims.email;
  if (claims.operator) {
    body.role = claims.operator.role;
    body.gid = claims.operator.grant;
  }
  return new SignJWT(body)
    .setProtectedHeader({ alg: 'EdDSA', typ: 'at+jwt', kid: key.kid })
    .setIssuer(opts.issuer)
    .setAudience(opts.audience)
    .setSubject(claims.sub)
    .setJti(randomUUID())
    .setIssuedAt()
    .setExpirationTime(Math.floor(Date.now() / 1000) + ttl)
    .sign(key.privateKey);
}

/**
 * Mints per-visitor MCP tokens and caches each until shortly before expiry, so a busy conversation
 * does not sign a token per tool call (docs/architecture.md §7).
 */
export class McpTokenMinter {
  readonly #cache = new Map<string, { token: string; exp: number }>();

  constructor(
    private readonly key: SigningKey,
    private readonly issuer: () => string,
    private readonly audience: () => string,
  ) {}

  async tokenFor(visitor: McpTokenClaims): Promise<string> {
    // These tokens are minted for visitors: staff authority is never granted from one (S7).
    const { operator: _never, ...rest } = visitor;
    const claims = { ...rest, scopes: visitor.scopes.filter((s) => s !== 'crm.any') };
    const cacheKey = `${claims.sub}\n${claims.cid ?? ''}\n${claims.site ?? ''}\n${claims.email ?? ''}\n${claims.scopes.join(' ')}`;
    const now = Date.now() / 1000;
    const hit = this.#cache.get(cacheKey);
    if (hit && hit.exp - REFRESH_MARGIN_S > now) return hit.token;
    const token = await signMcpToken(this.key, { issuer: this.issuer(), audience: this.audience() }, claims);
    if (this.#cache.size > 10_000) this.#cache.clear();
    this.#cache.set(cacheKey, { token, exp: now + MCP_TOKEN_MAX_TTL_S });
    return token;
  }
}
