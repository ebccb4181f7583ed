import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { basePath } from '../config.js';
import { sameOrigin } from '../console/auth.js';
import type { OperatorStore } from '../console/operators.js';
import { authenticate } from '../console/sign-in.js';
import type { SignInLimits } from '../console/signin-limit.js';
import { maskEmail } from '../mask.js';
import { type AuthorizationRequest, checkAuthorizeRequest, redirectWith } from './authorize-request.js';
import { OAUTH_ERRORS } from './errors.js';
import { consentPage, errorPage, signInPage } from './pages.js';
import type { Pending, PendingAuthorizations } from './pending.js';
import { grantedScopes } from './scopes.js';
import type { OAuthStore } from './store.js';

export interface AuthorizeOptions {
  store: OAuthStore;
  /** Requests between the first page and the consent, in the database: any node answers a form. */
  pending: PendingAuthorizations;
  operators: OperatorStore;
  limiter: SignInLimits;
  issuer: () => string;
  resourceUrl: () => string;
}

/**
 * `GET /oauth/authorize` and its two forms (docs/staff-mcp.md): the request is checked, kept
 * in the database under a random id (pending.ts) while the operator signs in and consents, then answered by a
 * redirect carrying a code, or `access_denied`. The pending id is spent at each step, so a form
 * posted twice does nothing.
 */
export async function authorizeRoutes(app: FastifyInstance, opts: AuthorizeOptions): Promise<void> {
  const keep = (p: Pending) => opts.pending.keep(p);
  const take = (id: unknown) => opts.pending.take(id);
  const expired = (reply: FastifyReply) =>
    errorPage(reply, 400, 'invalid_request', 'this sign-in page has expired or was already used');

  app.get('/oauth/authorize', async (req, reply) => {
    const check = await checkAuthorizeRequest(req.query as Record<string, unknown>, {
      store: opts.store,
      resourceUrl: opts.resourceUrl(),
    });
    if (!check.ok && !check.redirect)
      return errorPage(reply, OAUTH_ERRORS[check.error].status, check.error, check.description);
    if (!check.ok) {
      return reply.redirect(
        redirectWith(check.redirectUri, {
          error: check.error,
          error_description: check.description,
          state: check.state,
          iss: opts.issuer(),
        }),
        303,
      );
    }
    const id = await keep({ request: check.request });
    return signInPage(reply, {
      base: basePath(opts.issuer()),
      request: id,
      clientName: check.request.client.name,
    });
  });

  app.post('/oauth/authorize/sign-in', async (req, reply) => {
    if (!sameOrigin(req)) return errorPage(reply, 403, 'invalid_request', 'cross-origin form post');
    const body = (req.body ?? {}) as Record<string, unknown>;
    const p = await take(body.request);
    if (!p) return expired(reply);
    const email = typeof body.email === 'string' ? body.email.slice(0, 320) : '';
    const password = typeof body.password === 'string' ? body.password.slice(0, 256) : '';
    const result =
      email && password
        ? await authenticate(opts, req.ip, email, password)
        : ({ ok: false, reason: 'failed' } as const);
    if (!result.ok) {
      req.log.info({ email: maskEmail(email) }, 'oauth sign-in refused');
      const error =
        result.reason === 'rate_limited'
          ? `Too many attempts. Try again in ${Math.ceil(result.waitMs / 1000)} seconds.`
          : 'Wrong email or password.';
      return signInPage(reply, {
        base: basePath(opts.issuer()),
        request: await keep(p),
        clientName: p.request.client.name,
        error,
        email,
      });
    }
    const operator = await opts.operators.get(result.operatorId);
    const scopes = operator ? grantedScopes(p.request.scope, operator.role) : null;
    if (!operator || !scopes)
      return back(
        reply,
        p.request,
        'invalid_scope',
        'no requested scope is allowed for your role',
        opts.issuer(),
      );
    const id = await keep({ ...p, operatorId: operator.id });
    return consentPage(reply, {
      base: basePath(opts.issuer()),
      request: id,
      clientName: p.request.client.name,
      clientId: p.request.client.id,
      redirectHost: redirectHost(p.request.redirectUri),
      scopes,
      operator: `${operator.name} <${operator.email}>`,
      site: operator.siteId,
    });
  });

  app.post('/oauth/authorize/consent', async (req: FastifyRequest, reply) => {
    if (!sameOrigin(req)) return errorPage(reply, 403, 'invalid_request', 'cross-origin form post');
    const body = (req.body ?? {}) as Record<string, unknown>;
    const p = await take(body.request);
    if (!p?.operatorId) return expired(reply);
    const { request } = p;
    if (body.decision !== 'allow')
      return back(reply, request, 'access_denied', 'the operator denied access', opts.issuer());
    const operator = await opts.operators.get(p.operatorId);
    const scopes = operator ? grantedScopes(request.scope, operator.role) : null;
    // The client may have been revoked while the page was open.
    if (!operator || !scopes || !(await opts.store.client(request.client.id)))
      return back(
        reply,
        request,
        'access_denied',
        'the operator or client is no longer valid',
        opts.issuer(),
      );
    const { code, grantId } = await opts.store.grant({
      clientId: request.client.id,
      operatorId: operator.id,
      siteId: operator.siteId,
      scope: scopes.join(' '),
      resource: request.resource,
      redirectUri: request.redirectUri,
      codeChallenge: request.codeChallenge,
    });
    req.log.info({ client: request.client.id, grant: grantId }, 'oauth grant allowed');
    return reply.redirect(
      redirectWith(request.redirectUri, { code, state: request.state, iss: opts.issuer() }),
      303,
    );
  });
}

function back(reply: FastifyReply, r: AuthorizationRequest, error: string, description: string, iss: string) {
  return reply.redirect(
    redirectWith(r.redirectUri, { error, error_description: description, state: r.state, iss }),
    303,
  );
}

function redirectHost(uri: string): string {
  const u = new URL(uri);
  return u.host ? `${u.protocol}//${u.host}` : u.protocol;
}
