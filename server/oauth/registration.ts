import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { oauthError } from './errors.js';
import { WindowLimiter } from './limits.js';
import { redirectUriProblem } from './redirect-uri.js';
import type { OAuthStore } from './store.js';

/** A client has at most this many redirect URIs (O6): real clients register one to three. */
export const MAX_REDIRECT_URIS = 10;
/** Registration bodies are small JSON; a 1 MB body is refused before it is parsed (O6). */
export const REGISTRATION_BODY_LIMIT = 16 * 1024;
/** Live clients in all; past this a registration is refused rather than filling the database. */
const MAX_CLIENTS = 10_000;

/**
 * RFC 7591 client metadata as far as Deputy uses it. Other fields are ignored (§2); the ones below
 * must be well formed when present. Only public clients with PKCE: `token_endpoint_auth_method` is
 * answered as `none` whatever was asked (§3.2.1 lets the server replace values).
 */
const Metadata = z.looseObject({
  redirect_uris: z.array(z.string().max(2048)).min(1),
  client_name: z.string().trim().min(1).max(100).optional(),
  grant_types: z.array(z.string().max(64)).max(10).optional(),
  response_types: z.array(z.string().max(64)).max(10).optional(),
  token_endpoint_auth_method: z.string().max(64).optional(),
  scope: z.string().max(500).optional(),
});

export interface RegistrationOptions {
  store: OAuthStore;
  /** Registrations per address per window (default 20 an hour). */
  perAddress?: number;
  windowMs?: number;
}

/** `POST /oauth/register`: dynamic client registration (RFC 7591), sized and rate-limited. */
export async function registrationRoute(app: FastifyInstance, opts: RegistrationOptions): Promise<void> {
  const limiter = new WindowLimiter(opts.perAddress ?? 20, opts.windowMs ?? 3600_000);
  app.post('/oauth/register', { bodyLimit: REGISTRATION_BODY_LIMIT }, async (req, reply) => {
    if (!/^application\/json\b/i.test(req.headers['content-type'] ?? ''))
      return oauthError(reply, 'invalid_client_metadata', 'the body must be application/json');
    const parsed = Metadata.safeParse(req.body);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const where = issue?.path.length ? issue.path.map(String).join('.') : 'body';
      return oauthError(
        reply,
        'invalid_client_metadata',
        `${where}: ${issue?.message ?? 'malformed'}`.slice(0, 200),
      );
    }
    const m = parsed.data;
    if (m.redirect_uris.length > MAX_REDIRECT_URIS)
      return oauthError(reply, 'invalid_redirect_uri', `at most ${MAX_REDIRECT_URIS} redirect URIs`);
    for (const uri of m.redirect_uris) {
      const problem = redirectUriProblem(uri);
      if (problem) return oauthError(reply, 'invalid_redirect_uri', problem);
    }
    if (m.response_types?.some((t) => t !== 'code'))
      return oauthError(reply, 'invalid_client_metadata', 'response_types may only hold "code"');
    if (m.grant_types?.some((g) => g !== 'authorization_code' && g !== 'refresh_token'))
      return oauthError(
        reply,
        'invalid_client_metadata',
        'grant_types may hold authorization_code and refresh_token',
      );
    // Counted only once the request is well formed: a client fixing its metadata is not locked out.
    if (!limiter.take(req.ip)) {
      reply.header('retry-after', '3600');
      return oauthError(reply, 'too_many_requests');
    }
    if ((await opts.store.clientCount()) >= MAX_CLIENTS)
      return oauthError(reply, 'too_many_requests', 'the client registry is full: revoke unused clients');
    const uris = [...new Set(m.redirect_uris)];
    const client = await opts.store.addClient(m.client_name ?? 'Unnamed MCP client', uris);
    req.log.info({ client: client.id }, 'oauth client registered');
    return reply
      .code(201)
      .header('cache-control', 'no-store')
      .send({
        client_id: client.id,
        client_id_issued_at: Math.floor(Date.parse(client.created_at) / 1000),
        client_name: client.name,
        redirect_uris: uris,
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
        token_endpoint_auth_method: 'none',
      });
  });
}
