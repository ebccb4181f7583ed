import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { SCOPES, VISITOR_SCOPES } from '../../shared/scopes.js';
import type { McpCaller, McpTokenVerifier } from './auth.js';
import { answerAll, parsePost } from './dispatch.js';
import type { CrmServerDeps } from './server.js';

export interface McpRoutesOptions {
  verifier: McpTokenVerifier;
  deps: CrmServerDeps;
  /** The MCP server's canonical URL (the `aud` of its tokens). */
  resourceUrl: () => string;
  /** The authorization server that issues MCP tokens (the chat backend). */
  issuer: () => string;
  /** Allowed browser origins; a request carrying any other `Origin` gets 403 (DNS rebinding). */
  allowedOrigins: () => readonly string[];
}

const PRM_PATH = '/.well-known/oauth-protected-resource/mcp';

/**
 * The MCP CRM server over Streamable HTTP, stateless, answering in JSON: each request gets a new
 * server built for its caller. Body and header errors answer as the SDK's transport would, in
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

  const metadataUrl = () => new URL(PRM_PATH, opts.resourceUrl()).toString();

  app.get(PRM_PATH, async () => ({
    resource: opts.resourceUrl(),
    authorization_servers: [opts.issuer()],
    scopes_supported: SCOPES,
    bearer_methods_supported: ['header'],
    resource_name: 'Deputy CRM',
  }));

  const notAllowed = async (_req: FastifyRequest, reply: FastifyReply) =>
    reply
      .code(405)
      .header('allow', 'POST')
      .send({
        jsonrpc: '2.0',
        error: { code: -32000, message: 'Method not allowed: this server is stateless' },
        id: null,
      });
  app.get('/mcp', notAllowed);
  app.delete('/mcp', notAllowed);

  app.post('/mcp', { bodyLimit: 256 * 1024 }, async (req, reply) => {
    const origin = req.headers.origin;
    if (origin !== undefined && !opts.allowedOrigins().includes(origin)) {
      return reply
        .code(403)
        .send({ jsonrpc: '2.0', error: { code: -32000, message: 'Origin not allowed' }, id: null });
    }
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
  try {
    const answers = await answerAll(caller, deps, post.messages);
    if (answers.length === 0) return reply.code(202).send();
    return reply
      .code(200)
      .type('application/json')
      .send(post.batch ? answers : answers[0]);
  } catch (err) {
    req.log.error({ err }, 'mcp request failed');
    return reply
      .code(500)
      .send({ jsonrpc: '2.0', error: { code: -32603, message: 'Internal error' }, id: null });
  }
}
