import type { FastifyInstance } from 'fastify';
import { basePath } from '../config.js';
import { STAFF_SCOPES } from './scopes.js';
import { wellKnownRoutes } from './well-known.js';

/** RFC 8414 metadata of the staff authorization server, linked from the MCP server's protected resource metadata. */
export function authorizationServerMetadata(issuer: string) {
  return {
    issuer,
    authorization_endpoint: `${issuer}/oauth/authorize`,
    token_endpoint: `${issuer}/oauth/token`,
    registration_endpoint: `${issuer}/oauth/register`,
    revocation_endpoint: `${issuer}/oauth/revoke`,
    response_types_supported: ['code'],
    response_modes_supported: ['query'],
    grant_types_supported: ['authorization_code', 'refresh_token'],
    code_challenge_methods_supported: ['S256'],
    token_endpoint_auth_methods_supported: ['none'],
    revocation_endpoint_auth_methods_supported: ['none'],
    scopes_supported: STAFF_SCOPES,
    authorization_response_iss_parameter_supported: true,
  };
}

export async function metadataRoute(app: FastifyInstance, opts: { issuer: () => string }): Promise<void> {
  // The bare path (no prefix, or a proxy that strips it) and the RFC 8414 form of a prefixed issuer.
  const suffixes = () => ['', basePath(opts.issuer())];
  wellKnownRoutes(
    app,
    'oauth-authorization-server',
    suffixes,
    () => authorizationServerMetadata(opts.issuer()),
    {
      'cache-control': 'public, max-age=300',
    },
  );
}
