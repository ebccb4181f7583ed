import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { parseScopes } from '../../shared/scopes.js';
import type { SigningKey } from '../auth/keys.js';
import { MCP_TOKEN_MAX_TTL_S, signMcpToken } from '../auth/mcp-token.js';
import type { OperatorStore } from '../console/operators.js';
import { sameResource } from './authorize-request.js';
import { oauthError } from './errors.js';
import type { OAuthGrant, OAuthStore } from './store.js';

export interface TokenOptions {
  store: OAuthStore;
  operators: OperatorStore;
  signingKey: SigningKey;
  issuer: () => string;
  resourceUrl: () => string;
}

/** RFC 7636 §4.1: 43 to 128 unreserved characters. */
const VERIFIER = /^[A-Za-z0-9._~-]{43,128}$/;

function field(body: Record<string, unknown>, name: string): string | undefined {
  const v = body[name];
  return typeof v === 'string' ? v : undefined;
}

function s256(verifier: string): string {
  return createHash('sha256').update(verifier).digest('base64url');
}

function equal(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * `POST /oauth/token` (RFC 6749 §3.2): the authorization-code grant with PKCE, and refresh with
 * rotation. Access tokens are the MCP server's own short-lived EdDSA tokens (docs/architecture.md
 * §3) with `sub` = the operator, `site` = the operator's site and `gid` = the grant.
 */
export async function tokenRoute(app: FastifyInstance, opts: TokenOptions): Promise<void> {
  app.post('/oauth/token', async (req, reply) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    if (typeof body !== 'object' || Array.isArray(body)) return oauthError(reply, 'invalid_request');
    for (const [k, v] of Object.entries(body)) {
      if (Array.isArray(v))
        return oauthError(reply, 'invalid_request', `${k.slice(0, 40)} is given more than once`);
    }
    const clientId = field(body, 'client_id');
    const client = clientId ? await opts.store.client(clientId) : null;
    if (!client) return oauthError(reply, 'invalid_client', 'unknown or revoked client_id');
    const resource = field(body, 'resource');
    if (resource !== undefined && !sameResource(resource, opts.resourceUrl()))
      return oauthError(reply, 'invalid_target');
    const grantType = field(body, 'grant_type');
    if (grantType === 'authorization_code') {
      const code = field(body, 'code');
      const verifier = field(body, 'code_verifier');
      const redirectUri = field(body, 'redirect_uri');
      if (!code || code.length > 200) return oauthError(reply, 'invalid_request', 'code is required');
      if (!verifier || !VERIFIER.test(verifier))
        return oauthError(reply, 'invalid_request', 'code_verifier must be 43 to 128 unreserved characters');
      if (!redirectUri) return oauthError(reply, 'invalid_request', 'redirect_uri is required');
      const spent = await opts.store.redeemCode(code);
      if (!spent.ok) {
        if (spent.reused) req.log.warn({ client: client.id }, 'oauth code reused: grant revoked');
        return oauthError(
          reply,
          'invalid_grant',
          spent.reused ? 'the code was already used' : 'invalid or expired code',
        );
      }
      // A code is bound to its client, redirect URI and PKCE challenge; any mismatch spends it for nothing.
      if (spent.clientId !== client.id || spent.redirectUri !== redirectUri)
        return oauthError(reply, 'invalid_grant', 'the code was issued to another client or redirect URI');
      if (!equal(s256(verifier), spent.codeChallenge))
        return oauthError(reply, 'invalid_grant', 'code_verifier does not match the code_challenge');
      return issue(reply, spent.grant, opts);
    }
    if (grantType === 'refresh_token') {
      const token = field(body, 'refresh_token');
      if (!token || token.length > 200)
        return oauthError(reply, 'invalid_request', 'refresh_token is required');
      const spent = await opts.store.spendRefresh(token);
      if (!spent.ok) {
        if (spent.reused) req.log.warn({ client: client.id }, 'oauth refresh token reused: grant revoked');
        return oauthError(
          reply,
          'invalid_grant',
          spent.reused ? 'the refresh token was already used' : 'invalid refresh token',
        );
      }
      if (spent.grant.client_id !== client.id) {
        await opts.store.revokeGrant(spent.grant.id, 'refresh token presented by another client');
        return oauthError(reply, 'invalid_grant', 'the refresh token was issued to another client');
      }
      return issue(reply, spent.grant, opts);
    }
    return oauthError(
      reply,
      grantType ? 'unsupported_grant_type' : 'invalid_request',
      grantType ? undefined : 'grant_type is required',
    );
  });
}

/** An access token and the next refresh token of the grant's chain. */
async function issue(reply: FastifyReply, grant: OAuthGrant, opts: TokenOptions) {
  const operator = await opts.operators.get(grant.operator_id);
  // The operator may have been removed or moved since consenting.
  if (!operator || operator.siteId !== grant.site_id) {
    await opts.store.revokeGrant(grant.id, 'operator removed');
    return oauthError(reply, 'invalid_grant', 'the operator account no longer exists');
  }
  const scopes = parseScopes(grant.scope, { allowStaff: true });
  const accessToken = await signMcpToken(
    opts.signingKey,
    { issuer: opts.issuer(), audience: opts.resourceUrl() },
    {
      sub: operator.id,
      scopes,
      client: grant.client_id,
      site: operator.siteId,
      operator: { role: operator.role, grant: grant.id },
    },
  );
  const refreshToken = await opts.store.issueRefresh(grant.id);
  return reply
    .header('cache-control', 'no-store')
    .header('pragma', 'no-cache')
    .send({
      access_token: accessToken,
      token_type: 'Bearer',
      expires_in: MCP_TOKEN_MAX_TTL_S,
      refresh_token: refreshToken,
      scope: scopes.join(' '),
    });
}
