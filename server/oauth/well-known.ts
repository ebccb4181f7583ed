import type { FastifyInstance } from 'fastify';

/**
 * Metadata at `/.well-known/<name><suffix>` for each suffix `suffixes()` gives. RFC 8414 §3.1 and
 * RFC 9728 §3.1 insert the well-known segment between the host and the path of the URL described, so
 * for an issuer `https://example.com/deputy` a client asks for
 * `https://example.com/.well-known/oauth-authorization-server/deputy`; a proxy that serves Deputy
 * under `/deputy` passes that path on unchanged (docs/operations.md, "Under a path prefix").
 */
export function wellKnownRoutes(
  app: FastifyInstance,
  name: string,
  suffixes: () => readonly string[],
  answer: () => unknown,
  headers: Record<string, string> = {},
): void {
  const send = (rest: string, url: string, reply: import('fastify').FastifyReply) =>
    suffixes().includes(rest)
      ? reply.headers(headers).send(answer())
      : reply.code(404).send({ error: 'not_found', message: `No metadata at ${url}` });
  app.get(`/.well-known/${name}`, async (req, reply) => send('', req.url, reply));
  app.get(`/.well-known/${name}/*`, async (req, reply) =>
    send(`/${(req.params as { '*': string })['*']}`.replace(/\/+$/, ''), req.url, reply),
  );
}
