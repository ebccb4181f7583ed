import type { Scope } from '../../shared/scopes.js';
import type { OAuthErrorCode } from './errors.js';
import { redirectUriMatches } from './redirect-uri.js';
import { STAFF_SCOPES } from './scopes.js';
import type { OAuthClient, OAuthStore } from './store.js';

/** A validated authorization request (RFC 6749 §4.1.1 with PKCE and a resource indicator). */
export interface AuthorizationRequest {
  client: OAuthClient;
  redirectUri: string;
  state: string;
  codeChallenge: string;
  /** The scopes asked for, as given (the role narrows them at consent); undefined: all of the role's. */
  scope: string | undefined;
  resource: string;
}

export type AuthorizeCheck =
  | { ok: true; request: AuthorizationRequest }
  /** Never redirected: the client or redirect URI cannot be trusted (O2). */
  | { ok: false; redirect: false; error: OAuthErrorCode; description: string }
  | {
      ok: false;
      redirect: true;
      redirectUri: string;
      state: string | undefined;
      error: OAuthErrorCode;
      description: string;
    };

const CLIENT_ID = /^mcp_[A-Za-z0-9_-]{16}$/;
/** RFC 7636 §4.2: BASE64URL(SHA256(verifier)) is 43 characters. */
const S256_CHALLENGE = /^[A-Za-z0-9_-]{43}$/;

function one(q: Record<string, unknown>, name: string): string | undefined {
  const v = q[name];
  return typeof v === 'string' ? v : undefined;
}

/**
 * Checks an authorization request in the order RFC 6749 §4.1.2.1 asks: client and redirect URI
 * first, shown on a page when wrong (never redirected to); everything else redirected back with
 * its error code and the client's state.
 */
export async function checkAuthorizeRequest(
  query: Record<string, unknown>,
  deps: { store: OAuthStore; resourceUrl: string },
): Promise<AuthorizeCheck> {
  const clientId = one(query, 'client_id');
  const client = clientId && CLIENT_ID.test(clientId) ? await deps.store.client(clientId) : null;
  if (!client)
    return { ok: false, redirect: false, error: 'invalid_client', description: 'unknown client_id' };
  const redirectUri = one(query, 'redirect_uri');
  // OAuth 2.1: the redirect URI is required and must match a registered one exactly.
  if (!redirectUri || !redirectUriMatches(client.redirectUris, redirectUri))
    return {
      ok: false,
      redirect: false,
      error: 'invalid_request',
      description: 'redirect_uri does not match a registered redirect URI',
    };
  const state = one(query, 'state');
  const back = (error: OAuthErrorCode, description: string): AuthorizeCheck => ({
    ok: false,
    redirect: true,
    redirectUri,
    state,
    error,
    description,
  });
  for (const [k, v] of Object.entries(query)) {
    if (Array.isArray(v)) return back('invalid_request', `${k.slice(0, 40)} is given more than once`);
  }
  const responseType = one(query, 'response_type');
  if (responseType !== 'code') return back('unsupported_response_type', 'response_type must be code');
  if (!state || state.length > 512)
    return back('invalid_request', 'state is required (at most 512 characters)');
  const method = one(query, 'code_challenge_method');
  const challenge = one(query, 'code_challenge');
  if (!challenge) return back('invalid_request', 'code_challenge is required (PKCE)');
  if (method !== 'S256') return back('invalid_request', 'code_challenge_method must be S256');
  if (!S256_CHALLENGE.test(challenge))
    return back('invalid_request', 'code_challenge is not an S256 challenge');
  const resource = one(query, 'resource') ?? deps.resourceUrl;
  if (!sameResource(resource, deps.resourceUrl))
    return back('invalid_target', 'resource must be this server’s /mcp URL');
  const scope = one(query, 'scope');
  if (scope !== undefined) {
    if (scope.length > 500) return back('invalid_scope', 'scope is too long');
    const asked = new Set(scope.split(/\s+/).filter(Boolean));
    if (asked.size > 0 && !STAFF_SCOPES.some((s: Scope) => asked.has(s)))
      return back('invalid_scope', `grantable scopes: ${STAFF_SCOPES.join(' ')}`);
  }
  return {
    ok: true,
    request: { client, redirectUri, state, codeChallenge: challenge, scope, resource: deps.resourceUrl },
  };
}

/** RFC 8707 resources compare as URLs (a trailing slash or default port is the same resource). */
export function sameResource(given: string, mcpUrl: string): boolean {
  try {
    const a = new URL(given);
    const b = new URL(mcpUrl);
    if (a.hash) return false;
    const path = (u: URL) => u.pathname.replace(/\/$/, '');
    return a.origin === b.origin && path(a) === path(b) && a.search === b.search;
  } catch {
    return false;
  }
}

/** The URL a response goes back to: the redirect URI with its parameters added (RFC 9207 `iss`). */
export function redirectWith(redirectUri: string, params: Record<string, string | undefined>): string {
  const url = new URL(redirectUri);
  for (const [k, v] of Object.entries(params)) if (v !== undefined) url.searchParams.set(k, v);
  return url.toString();
}
