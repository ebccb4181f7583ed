import type { IncomingMessage } from 'node:http';
import type { AuthInfo } from '@modelcontextprotocol/sdk/server/auth/types.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { SCOPES, VISITOR_SCOPES } from '../../shared/scopes.js';
import type { McpCaller, McpTokenVerifier } from './auth.js';
import { type CrmServerDeps, createCrmServer } from './server.js';

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

/** The MCP CRM server over Streamable HTTP, stateless: a new server and transport per request. */
export async function mcpRoutes(app: FastifyInstance, opts: McpRoutesOptions): Promise<void> {
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
    await serve(req, reply, verified.caller, opts.deps);
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
  const server = createCrmServer(caller, deps);
  const transport = new StreamableHTTPServerTransport({ enableJsonResponse: true });
  const raw = req.raw as IncomingMessage & { auth?: AuthInfo };
  raw.auth = { token: caller.token, clientId: caller.client, scopes: caller.scopes, expiresAt: caller.exp };
  reply.hijack();
  reply.raw.on('close', () => {
    void transport.close();
    void server.close();
  });
  try {
    await server.connect(transport);
    await transport.handleRequest(raw, reply.raw, req.body);
  } catch (err) {
    req.log.error({ err }, 'mcp request failed');
    if (!reply.raw.headersSent) {
      reply.raw.writeHead(500, { 'content-type': 'application/json' });
      reply.raw.end(
        JSON.stringify({ jsonrpc: '2.0', error: { code: -32603, message: 'Internal error' }, id: null }),
      );
    }
  }
}
