import type { FastifyInstance } from 'fastify';
import { createLocalJWKSet, jwtVerify } from 'jose';
import type { SigningKey } from '../auth/keys.js';
import { oauthError } from './errors.js';
import type { OAuthStore } from './store.js';

/**
 * `POST /oauth/revoke` (RFC 7009): a refresh token or an access token revokes its whole grant, so
 * every token of that consent stops working, access tokens at their next request. Unknown tokens
 * answer 200 like known ones (§2.2): the endpoint is no oracle.
 */
export async function revokeRoute(
  app: FastifyInstance,
  opts: { store: OAuthStore; signingKey: SigningKey; issuer: () => string },
): Promise<void> {
  const keys = createLocalJWKSet({ keys: [opts.signingKey.publicJwk] });
  app.post('/oauth/revoke', async (req, reply) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const token = typeof body.token === 'string' ? body.token : undefined;
    const clientId = typeof body.client_id === 'string' ? body.client_id : undefined;
    if (!token || token.length > 4096) return oauthError(reply, 'invalid_request', 'token is required');
    const client = clientId ? await opts.store.client(clientId) : null;
    if (!client) return oauthError(reply, 'invalid_client', 'unknown or revoked client_id');
    let grantId: string | null = null;
    if (token.startsWith('dpy_rt_')) {
      grantId = await opts.store.grantOfRefresh(token);
    } else {
      try {
        // Expired access tokens may still be revoked: their grant is what matters.
        const { payload } = await jwtVerify(token, keys, {
          algorithms: ['EdDSA'],
          typ: 'at+jwt',
          issuer: opts.issuer(),
          clockTolerance: 365 * 24 * 3600,
        });
        grantId = typeof payload.gid === 'string' ? payload.gid : null;
      } catch {
        grantId = null;
      }
    }
    const grant = grantId ? await opts.store.liveGrant(grantId) : null;
    // A client may revoke only what was issued to it (§2.1).
    if (grant && grant.client_id === client.id) {
      await opts.store.revokeGrant(grant.id, 'revoked by the client');
      req.log.info({ client: client.id, grant: grant.id }, 'oauth grant revoked');
    }
    return reply.code(200).header('cache-control', 'no-store').send({});
  });
}
