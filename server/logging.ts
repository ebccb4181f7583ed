import type { FastifyRequest, FastifyServerOptions } from 'fastify';

/**
 * pino options: tokens and credentials redacted wherever they could appear (L2); request URLs
 * are logged without query strings, since a misconfigured page could put a token there.
 */
export function loggerOptions(level: string): Exclude<FastifyServerOptions['logger'], undefined> {
  if (level === 'silent') return false;
  return {
    level,
    redact: {
      paths: [
        'req.headers.authorization',
        'req.headers.cookie',
        'req.headers["sec-websocket-protocol"]',
        'token',
        '*.token',
        'authorization',
      ],
      censor: '[redacted]',
    },
    serializers: {
      req(req: FastifyRequest) {
        return { method: req.method, url: req.url.split('?')[0] ?? '', id: req.id };
      },
    },
  };
}
