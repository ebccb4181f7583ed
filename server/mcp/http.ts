import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { SCOPES, VISITOR_SCOPES } from '../../shared/scopes.js';
import { basePath } from '../config.js';
import { wellKnownRoutes } from '../oauth/well-known.js';
import type { McpCaller, McpTokenVerifier } from './auth.js';
import { type Answer, answerAll, Canceller, parsePost } from './dispatch.js';
import { hostAllowed, originAllowed } from './hosts.js';
import type { CrmServerDeps } from './server.js';

export interface McpRoutesOptions {
  verifier: McpTokenVerifier;
  deps: CrmServerDeps;
  /** The MCP server's canonical URL (the `aud` of its tokens). */
  resourceUrl: () => string;
  /** The authorization server that issues MCP tokens (the chat backend). */
  issuer: () => string;
  /**
   * Host names `/mcp` answers to (hosts.ts): any other `Host`, or a browser `Origin` on any other
   * host, gets 403 (DNS rebinding, docs/threat-model.md M1, M2).
   */
  allowedHosts: () => ReadonlySet<string>;
}

/**
 * Where a client is told (WWW-Authenticate `resource_metadata`) to read the protected resource
 * metadata: beside `/mcp` under the same base, `<base>/.well-known/oauth-protected-resource/mcp`, a
 * path that reaches this server through any proxy that reaches `/mcp` (also under a path prefix).
 * A resource URL not ending in `/mcp` (MCP_URL pointing elsewhere) gets RFC 9728's own form.
 */
export function protectedResourceMetadataUrl(resourceUrl: string): string {
  const url = new URL(resourceUrl);
  const path = url.pathname.replace(/\/+$/, '');
  return path.endsWith('/mcp')
    ? `${url.origin}${path.slice(0, -'/mcp'.length)}/.well-known/oauth-protected-resource/mcp`
    : `${url.origin}/.well-known/oauth-protected-resource${path}`;
}

/**
 * The MCP CRM server over Streamable HTTP, stateless, answering in JSON: each request is answered
 * for its caller by the dispatcher (dispatch.ts). Body and header errors answer as the SDK's transport would, in
 * JSON-RPC form.
 */
export async function mcpRoutes(app: FastifyInstance, opts: McpRoutesOptions): Promise<void> {
  app.setErrorHandler((err: { statusCode?: number; code?: string }, req, reply) => {
    const status = err.statusCode ?? 500;
    if (status >= 500) req.log.error({ err }, 'mcp request failed');
    const message =
      status === 415
        ? 'Unsupported Media Type: Content-Type must be application/json'
        : status === 413
          ? 'Request body too large'
          : status === 400
            ? 'Parse error: Invalid JSON'
            : 'Internal error';
    const code = status === 400 ? -32700 : status >= 500 ? -32603 : -32000;
    return reply.code(status).send({ jsonrpc: '2.0', error: { code, message }, id: null });
  });

  const metadataUrl = () => protectedResourceMetadataUrl(opts.resourceUrl());

  // RFC 9728: at /.well-known/oauth-protected-resource/mcp, and at the path-inserted form of the
  // resource URL when Deputy is served under a prefix (oauth/well-known.ts).
  wellKnownRoutes(
    app,
    'oauth-protected-resource',
    () => ['/mcp', basePath(opts.resourceUrl())],
    () => ({
      resource: opts.resourceUrl(),
      authorization_servers: [opts.issuer()],
      scopes_supported: SCOPES,
      bearer_methods_supported: ['header'],
      resource_name: 'Deputy CRM',
    }),
  );

  const notAllowed = async (_req: FastifyRequest, reply: FastifyReply) =>
    reply
      .code(405)
      .header('allow', 'POST')
      .send({
        jsonrpc: '2.0',
        error: { code: -32000, message: 'Method not allowed: this server is stateless' },
        id: null,
      });
  /** Before anything else, even authentication: a rebinding page learns nothing from the answer. */
  const rebinding = async (req: FastifyRequest, reply: FastifyReply) => {
    const hosts = opts.allowedHosts();
    const message = !hostAllowed(req.headers.host, hosts)
      ? 'Forbidden: Host not allowed'
      : !originAllowed(req.headers.origin, hosts)
        ? 'Forbidden: Origin not allowed'
        : null;
    if (message === null) return;
    return reply.code(403).send({ jsonrpc: '2.0', error: { code: -32000, message }, id: null });
  };

  app.get('/mcp', { onRequest: rebinding }, notAllowed);
  app.delete('/mcp', { onRequest: rebinding }, notAllowed);

  app.post('/mcp', { bodyLimit: 256 * 1024, onRequest: rebinding }, async (req, reply) => {
    const verified = await opts.verifier.verify(req.headers.authorization);
    if (!verified.ok) {
      const { error, description } = verified.failure;
      return reply
        .code(401)
        .header(
          'www-authenticate',
          `Bearer error="${error}", error_description="${description}", resource_metadata="${metadataUrl()}"`,
        )
        .send({ jsonrpc: '2.0', error: { code: -32001, message: 'Unauthorized' }, id: null });
    }
    if (verified.caller.scopes.length === 0 && callsATool(req.body)) {
      // A token with no CRM scope at all may connect and list (an empty list: an anonymous visitor
      // of a site without anonymous scopes can still chat), but calling any tool needs a scope it
      // lacks: 403 insufficient_scope, naming the scopes that would help (MCP authorization).
      return reply
        .code(403)
        .header(
          'www-authenticate',
          `Bearer error="insufficient_scope", scope="${VISITOR_SCOPES.join(' ')}", resource_metadata="${metadataUrl()}"`,
        )
        .send({ jsonrpc: '2.0', error: { code: -32003, message: 'Insufficient scope' }, id: null });
    }
    return serve(req, reply, verified.caller, opts.deps);
  });
}

/** Whether a JSON-RPC body (one message or a batch) contains a tools/call request. */
function callsATool(body: unknown): boolean {
  const messages = Array.isArray(body) ? body : [body];
  return messages.some(
    (m) => typeof m === 'object' && m !== null && (m as { method?: unknown }).method === 'tools/call',
  );
}

async function serve(req: FastifyRequest, reply: FastifyReply, caller: McpCaller, deps: CrmServerDeps) {
  // Fastify also parses text/plain; MCP messages are JSON only.
  if (!/^application\/json\b/i.test(req.headers['content-type'] ?? '')) {
    return reply.code(415).send({
      jsonrpc: '2.0',
      error: { code: -32000, message: 'Unsupported Media Type: Content-Type must be application/json' },
      id: null,
    });
  }
  const post = parsePost(req.headers, req.body);
  if (!post.ok) {
    return reply
      .code(post.status)
      .send({ jsonrpc: '2.0', error: { code: post.code, message: post.message }, id: null });
  }
  // A client that goes away cancels what it asked for (a write already started still finishes).
  const gone = new Canceller();
  reply.raw.once('close', () => {
    if (!reply.raw.writableFinished) gone.abort();
  });
  try {
    const answers = await answerAll(caller, deps, post.messages, gone);
    if (answers.length === 0) return reply.code(202).send();
    if (answers.every((a) => a.response !== null && a.notifications.length === 0)) {
      const responses = answers.map((a) => a.response);
      return reply
        .code(200)
        .type('application/json')
        .send(post.batch ? responses : responses[0]);
    }
    return reply
      .code(200)
      .header('cache-control', 'no-cache')
      .type('text/event-stream')
      .send(eventStream(answers));
  } catch (err) {
    req.log.error({ err }, 'mcp request failed');
    return reply
      .code(500)
      .send({ jsonrpc: '2.0', error: { code: -32603, message: 'Internal error' }, id: null });
  }
}

/**
 * Answers with log messages, or without a response for a cancelled request, as one SSE stream (the
 * transport's other answer form): each notification, then each response, then the end. Nothing is
 * sent for a cancelled request, as MCP cancellation asks; the stream has no event ids, so clients
 * do not try to resume it.
 */
function eventStream(answers: Answer[]): string {
  const messages = answers.flatMap((a) => (a.response ? [...a.notifications, a.response] : a.notifications));
  return messages.map((m) => `event: message\ndata: ${JSON.stringify(m)}\n\n`).join('');
}
