import { randomUUID } from 'node:crypto';
import type { FastifyRequest, FastifyServerOptions } from 'fastify';
import { maskText } from './mask.js';

/** Where log lines go (pino's destination contract); tests pass one to read the logs. */
export interface LogStream {
  write(line: string): void;
}

/** Every place a credential could sit in a log object (L2). */
export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["sec-websocket-protocol"]',
  'headers.authorization',
  'headers.cookie',
  'token',
  '*.token',
  'authorization',
  '*.authorization',
  'secret',
  '*.secret',
];

/** Error objects are logged with masked messages: an exception can quote a phone, an email or a token. */
function serializeError(err: Error): {
  type: string;
  message: string;
  stack: string;
  [key: string]: unknown;
} {
  const out = {
    type: err.name,
    message: maskText(String(err.message)),
    stack: maskText(String(err.stack ?? '')),
  } as { type: string; message: string; stack: string; [key: string]: unknown };
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string' || typeof code === 'number') out.code = code;
  return out;
}

/**
 * pino options: tokens and credentials redacted wherever they could appear (L2); request URLs are
 * logged without query strings, since a misconfigured page could put a token there; every request
 * gets a random id that also tags the WebSocket session it opens.
 */
export function loggerOptions(
  level: string,
  stream?: LogStream,
): Exclude<FastifyServerOptions['logger'], undefined> {
  if (level === 'silent' && !stream) return false;
  return {
    level,
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    serializers: {
      req(req: FastifyRequest) {
        return { method: req.method, url: req.url.split('?')[0] ?? '', id: req.id };
      },
      err: serializeError,
    },
    ...(stream ? { stream } : {}),
  };
}

/** Request ids: random, so ids from two processes or restarts never collide in aggregated logs. */
export function genReqId(): string {
  return randomUUID();
}
