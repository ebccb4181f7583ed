import { existsSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import Fastify, { type FastifyInstance } from 'fastify';
import { VisitorAgent } from './agent/agent.js';
import { createModel } from './agent/models/index.js';
import type { SigningKey } from './auth/keys.js';
import { McpTokenMinter } from './auth/mcp-token.js';
import type { Config } from './config.js';
import { EmbeddedCrm } from './crm/embedded.js';
import { ConversationHub } from './gateway/hub.js';
import { gatewayRoutes } from './gateway/plugin.js';
import { loggerOptions } from './logging.js';
import { mcpRoutes } from './mcp/http.js';
import { mcpRouteOptions } from './mcp/setup.js';
import { ConversationStore } from './store/conversations.js';
import type { Store } from './store/db.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export interface AppDeps {
  store: Store;
  signingKey: SigningKey;
}

declare module 'fastify' {
  interface FastifyInstance {
    deputy: {
      config: Config;
      store: Store;
      /** The backend's own base URL (issuer of MCP tokens), known once listening. */
      selfUrl(): string;
      /** The MCP server's canonical URL (audience of MCP tokens). */
      mcpUrl(): string;
      hub: ConversationHub;
    };
  }
}

/** Builds the whole Deputy backend; never listens (server/main.ts does). */
export async function buildApp(config: Config, deps: AppDeps): Promise<FastifyInstance> {
  const app = Fastify({
    logger: loggerOptions(config.logLevel),
    // Slow clients cannot hold sockets open by dribbling headers (WS6).
    requestTimeout: 30_000,
    connectionTimeout: 60_000,
    bodyLimit: 64 * 1024,
    trustProxy: false,
  });

  const selfUrl = () => {
    if (config.publicUrl) return config.publicUrl.replace(/\/$/, '');
    const addr = app.server.address() as AddressInfo | null;
    const host = config.host.includes(':') ? `[${config.host}]` : config.host;
    return `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${addr?.port ?? config.port}`;
  };
  const mcpUrl = () => config.mcpUrl ?? `${selfUrl()}/mcp`;
  const hub = new ConversationHub();
  app.decorate('deputy', { config, store: deps.store, selfUrl, mcpUrl, hub });

  const crm = new EmbeddedCrm(deps.store.db);
  const minter = new McpTokenMinter(deps.signingKey, selfUrl, mcpUrl);
  const model = createModel(config.model);

  app.get('/.well-known/jwks.json', async () => ({ keys: [deps.signingKey.publicJwk] }));
  app.get('/healthz', async () => ({ ok: true }));
  app.get('/readyz', async () => ({ ok: true }));

  await app.register(
    mcpRoutes,
    mcpRouteOptions({
      config,
      store: deps.store,
      signingKey: deps.signingKey,
      issuer: selfUrl,
      resourceUrl: mcpUrl,
      log: app.log,
      crm,
    }),
  );

  await app.register(gatewayRoutes, {
    sites: config.sites,
    visitorAudience: config.visitorAudience,
    conversations: new ConversationStore(deps.store.db),
    hub,
    createAgent: (identity, conversationId) =>
      new VisitorAgent(identity, conversationId, { model, minter, mcpUrl }),
    log: app.log,
    helloTimeoutMs: 5000,
  });

  await registerWidget(app);
  if (config.demo) {
    // Loaded only when wanted: a production deployment never serves the demo store.
    const { demoRoutes } = await import('../demo/plugin.js');
    await app.register(demoRoutes, { config });
  }
  return app;
}

/** Serves the built widget: `/widget.js` (the loader) and `/widget/*` (the lazily loaded panel). */
async function registerWidget(app: FastifyInstance): Promise<void> {
  const dist = path.join(root, 'dist', 'widget');
  if (!existsSync(dist)) {
    app.log.warn('dist/widget is missing: run `npm run build` to serve the widget');
    return;
  }
  const setHeaders = (res: { setHeader(name: string, value: string): unknown }) => {
    res.setHeader('access-control-allow-origin', '*');
    res.setHeader('cross-origin-resource-policy', 'cross-origin');
  };
  await app.register(fastifyStatic, {
    root: dist,
    prefix: '/widget/',
    setHeaders: (reply) => setHeaders(reply.raw),
    maxAge: '1h',
  });
  app.get('/widget.js', (_req, reply) =>
    reply.header('cache-control', 'public, max-age=300').sendFile('widget.js', dist),
  );
}
