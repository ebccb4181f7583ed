import type { FastifyReply, FastifyRequest } from 'fastify';
import { CONSOLE_ERRORS, type ConsoleErrorCode, consoleError } from './errors.js';
import type { Operator } from './operators.js';
import { csrfMatches, readCookie, type SessionStore } from './sessions.js';

/** Sends a coded console error. */
export function refuse(reply: FastifyReply, code: ConsoleErrorCode, extra: Record<string, unknown> = {}) {
  return reply.code(CONSOLE_ERRORS[code].status).send(consoleError(code, extra));
}

/** The backend's own origins as the request addressed it: the only origins the console runs on. */
export function sameOrigin(req: FastifyRequest): boolean {
  const origin = req.headers.origin;
  if (origin === undefined) return true;
  const host = req.headers.host ?? '';
  return origin === `http://${host}` || origin === `https://${host}`;
}

/**
 * The signed-in operator of a request, or a coded refusal already sent. Only the session cookie
 * counts: a visitor token in `Authorization` opens nothing here (C3). With `write`, the request
 * must also carry the session's CSRF token and no foreign Origin (C1).
 */
export async function operatorOf(
  sessions: SessionStore,
  req: FastifyRequest,
  reply: FastifyReply,
  write: boolean,
): Promise<{ operator: Operator; csrf: string; token: string } | null> {
  const token = readCookie(req.headers.cookie);
  const session = await sessions.verify(token);
  if (!session || !token) {
    refuse(reply, 'console_unauthorized');
    return null;
  }
  if (write && (!sameOrigin(req) || !csrfMatches(session.csrf, req.headers['x-csrf-token']))) {
    refuse(reply, 'console_csrf');
    return null;
  }
  return { operator: session.operator, csrf: session.csrf, token };
}
