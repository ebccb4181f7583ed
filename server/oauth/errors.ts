import type { FastifyReply } from 'fastify';

/**
 * The OAuth error codes the staff authorization server answers with (RFC 6749 §5.2, RFC 7591 §3.2.2,
 * RFC 8707 §2, RFC 7009 §2.2.1). Each is documented in docs/staff-mcp.md, and a test checks that.
 */
export const OAUTH_ERRORS = {
  invalid_request: { status: 400, message: 'The request is missing a parameter or has a malformed one.' },
  invalid_client: { status: 401, message: 'The client is unknown or was revoked.' },
  invalid_grant: {
    status: 400,
    message: 'The code or refresh token is invalid, expired, spent or was issued to someone else.',
  },
  unsupported_grant_type: {
    status: 400,
    message: 'Only authorization_code and refresh_token are supported.',
  },
  unsupported_response_type: { status: 400, message: 'Only response_type=code is supported.' },
  invalid_scope: { status: 400, message: 'None of the requested scopes can be granted.' },
  invalid_target: { status: 400, message: 'The resource is not this server’s /mcp URL.' },
  access_denied: { status: 403, message: 'The operator denied the request.' },
  invalid_redirect_uri: { status: 400, message: 'A redirect URI is not allowed.' },
  invalid_client_metadata: { status: 400, message: 'The client metadata is malformed.' },
  request_too_large: { status: 413, message: 'The registration request is too large.' },
  too_many_requests: { status: 429, message: 'Too many requests from this address; try again later.' },
  server_error: { status: 500, message: 'The authorization server failed; nothing was issued.' },
} as const satisfies Record<string, { status: number; message: string }>;

export type OAuthErrorCode = keyof typeof OAUTH_ERRORS;

/** Sends `{error, error_description}` with the code's status and `Cache-Control: no-store`. */
export function oauthError(reply: FastifyReply, code: OAuthErrorCode, description?: string) {
  return reply
    .code(OAUTH_ERRORS[code].status)
    .header('cache-control', 'no-store')
    .send({ error: code, error_description: description ?? OAUTH_ERRORS[code].message });
}
