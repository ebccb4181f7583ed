import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ReplyBody, SignInBody } from '../../shared/console-protocol.js';
import { maskEmail } from '../mask.js';
import { operatorOf, refuse, sameOrigin } from './auth.js';
import { type CustomerReaderDeps, readCustomer } from './customer.js';
import type { OperatorStore } from './operators.js';
import type { ActionResult, ConsoleService } from './service.js';
import { SESSION_TTL_MS, type SessionStore, sessionCookie } from './sessions.js';
import { authenticate } from './sign-in.js';
import type { SignInLimits } from './signin-limit.js';

export interface ConsoleRouteDeps {
  operators: OperatorStore;
  sessions: SessionStore;
  service: ConsoleService;
  limiter: SignInLimits;
  customers: CustomerReaderDeps;
  /** Cookies get `Secure` when the console is served over https. */
  secure(req: FastifyRequest): boolean;
  /** The console's path as the browser sees it: `/console`, or under the public URL's prefix. */
  cookiePath: string;
}

const ID = /^conv_[A-Za-z0-9_-]{8,40}$/;

/** The console's HTTP API under /console/api (docs/console.md). */
export async function consoleApi(app: FastifyInstance, deps: ConsoleRouteDeps): Promise<void> {
  const { sessions, service } = deps;

  app.post('/console/api/sign-in', async (req, reply) => {
    if (!sameOrigin(req)) return refuse(reply, 'console_csrf');
    const body = SignInBody.safeParse(req.body);
    if (!body.success) return refuse(reply, 'console_bad_request');
    const { email, password } = body.data;
    const result = await authenticate(deps, req.ip, email, password);
    if (!result.ok && result.reason === 'rate_limited') {
      reply.header('retry-after', String(Math.ceil(result.waitMs / 1000)));
      return refuse(reply, 'signin_rate_limited', { retryAfterMs: result.waitMs });
    }
    if (!result.ok) {
      req.log.info({ email: maskEmail(email) }, 'console sign-in refused');
      return refuse(reply, 'signin_failed');
    }
    const s = await sessions.create(result.operatorId);
    reply.header(
      'set-cookie',
      sessionCookie(s.token, SESSION_TTL_MS / 1000, deps.secure(req), deps.cookiePath),
    );
    const operator = await deps.operators.get(result.operatorId);
    return { operator, csrf: s.csrf };
  });

  app.post('/console/api/sign-out', async (req, reply) => {
    const who = await operatorOf(sessions, req, reply, true);
    if (!who) return reply;
    await sessions.destroy(who.token);
    reply.header('set-cookie', sessionCookie('', 0, deps.secure(req), deps.cookiePath));
    return { ok: true };
  });

  app.get('/console/api/me', async (req, reply) => {
    const who = await operatorOf(sessions, req, reply, false);
    if (!who) return reply;
    return { operator: who.operator, csrf: who.csrf };
  });

  app.get('/console/api/conversations', async (req, reply) => {
    const who = await operatorOf(sessions, req, reply, false);
    if (!who) return reply;
    return { conversations: await service.list(who.operator) };
  });

  app.get('/console/api/conversations/:id', async (req, reply) => {
    const who = await operatorOf(sessions, req, reply, false);
    if (!who) return reply;
    const id = (req.params as { id: string }).id;
    const detail = ID.test(id) ? await service.detail(who.operator, id) : null;
    return detail ?? refuse(reply, 'console_not_found');
  });

  app.get('/console/api/conversations/:id/customer', async (req, reply) => {
    const who = await operatorOf(sessions, req, reply, false);
    if (!who) return reply;
    const id = (req.params as { id: string }).id;
    const conv = ID.test(id) ? await service.find(who.operator, id) : null;
    if (!conv) return refuse(reply, 'console_not_found');
    const view = await readCustomer(deps.customers, who.operator, conv);
    await service.audit(who.operator, 'customer_viewed', id, 'ok');
    return view;
  });

  const action =
    (
      run: (
        req: FastifyRequest,
        op: Parameters<ConsoleService['takeOver']>[0],
        id: string,
      ) => Promise<ActionResult | 'bad'>,
    ) =>
    async (req: FastifyRequest, reply: FastifyReply) => {
      const who = await operatorOf(sessions, req, reply, true);
      if (!who) return reply;
      const id = (req.params as { id: string }).id;
      if (!ID.test(id)) return refuse(reply, 'console_not_found');
      const out = await run(req, who.operator, id);
      if (out === 'bad') return refuse(reply, 'console_bad_request');
      if (!out.ok) return refuse(reply, out.code, out.owner !== undefined ? { owner: out.owner } : {});
      return { ok: true };
    };

  app.post(
    '/console/api/conversations/:id/take-over',
    action((_r, op, id) => service.takeOver(op, id)),
  );
  app.post(
    '/console/api/conversations/:id/hand-back',
    action((_r, op, id) => service.handBack(op, id)),
  );
  app.post(
    '/console/api/conversations/:id/resolve',
    action((_r, op, id) => service.resolve(op, id)),
  );
  app.post(
    '/console/api/conversations/:id/messages',
    action(async (req, op, id) => {
      const body = ReplyBody.safeParse(req.body);
      if (!body.success) return 'bad';
      return service.reply(op, id, body.data.text, body.data.private === true);
    }),
  );
}
