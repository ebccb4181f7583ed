import { parse } from 'node:querystring';
import type { FastifyInstance } from 'fastify';
import type { SigningKey } from '../auth/keys.js';
import type { OperatorStore } from '../console/operators.js';
import type { SignInLimits } from '../console/signin-limit.js';
import { authorizeRoutes } from './authorize.js';
import { oauthError } from './errors.js';
import { metadataRoute } from './metadata.js';
import type { PendingAuthorizations } from './pending.js';
import { registrationRoute } from './registration.js';
import { revokeRoute } from './revoke.js';
import type { OAuthStore } from './store.js';
import { tokenRoute } from './token.js';

export interface OAuthOptions {
  store: OAuthStore;
  pending: PendingAuthorizations;
  operators: OperatorStore;
  limiter: SignInLimits;
  signingKey: SigningKey;
  /** The backend's own URL: the `iss` of the authorization server and of MCP tokens. */
  issuer: () => string;
  /** The MCP server's canonical URL: the only resource tokens are issued for (RFC 8707). */
  resourceUrl: () => string;
  /** Registrations per address per hour (default 20). */
  registrationsPerAddress?: number;
}

/** Endpoints a browser-based MCP client calls cross-origin: no cookies involved, so any origin. */
const AS_METADATA = '/.well-known/oauth-authorization-server';
const CORS_PATHS = new Set([AS_METADATA, '/oauth/register', '/oauth/token', '/oauth/revoke']);

/**
 * Deputy as the OAuth 2.1 authorization server of its operators' MCP clients (docs/staff-mcp.md).
 * Encapsulated: the form parser and the CORS hook apply to these routes only.
 */
export async function oauthRoutes(app: FastifyInstance, opts: OAuthOptions): Promise<void> {
  app.addContentTypeParser(
    'application/x-www-form-urlencoded',
    { parseAs: 'string', bodyLimit: 8 * 1024 },
    (_req, body, done) => {
      try {
        done(null, parse(String(body)));
      } catch (err) {
        done(err as Error, undefined);
      }
    },
  );
  app.setErrorHandler((err: { statusCode?: number }, req, reply) => {
    const status = err.statusCode ?? 500;
    if (status >= 500) req.log.error({ err }, 'oauth request failed');
    if (status === 413) return oauthError(reply, 'request_too_large');
    if (status === 415) return oauthError(reply, 'invalid_request', 'unsupported content type');
    // RFC 7591 §3.2.2: a registration body that is not JSON is malformed client metadata.
    if (status === 400 && req.url.startsWith('/oauth/register'))
      return oauthError(reply, 'invalid_client_metadata', 'the body is not valid JSON');
    if (status >= 400 && status < 500) return oauthError(reply, 'invalid_request', 'malformed request body');
    return oauthError(reply, 'server_error');
  });
  app.addHook('onRequest', async (req, reply) => {
    const path = req.url.split('?')[0] ?? '';
    if (!CORS_PATHS.has(path) && !path.startsWith(`${AS_METADATA}/`)) return;
    reply.header('access-control-allow-origin', '*');
    if (req.method === 'OPTIONS') {
      return reply
        .code(204)
        .header('access-control-allow-methods', 'GET, POST, OPTIONS')
        .header('access-control-allow-headers', 'content-type, mcp-protocol-version')
        .header('access-control-max-age', '600')
        .send();
    }
  });
  for (const path of [...CORS_PATHS, `${AS_METADATA}/*`])
    app.options(path, async (_req, reply) => reply.code(204).send());
  await metadataRoute(app, { issuer: opts.issuer });
  await registrationRoute(app, {
    store: opts.store,
    ...(opts.registrationsPerAddress ? { perAddress: opts.registrationsPerAddress } : {}),
  });
  await authorizeRoutes(app, opts);
  await tokenRoute(app, opts);
  await revokeRoute(app, opts);
}
