import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import fastifyStatic from '@fastify/static';
import Fastify, { type FastifyInstance } from 'fastify';
import { VisitorAgent } from './agent/agent.js';
import { connectCrmTools, type McpTarget } from './agent/mcp-client.js';
import type { ToolSpec } from './agent/model.js';
import { createModel } from './agent/models/index.js';
import type { SigningKey } from './auth/keys.js';
import { McpTokenMinter } from './auth/mcp-token.js';
import type { Config } from './config.js';
import { ownedFromJson, ownerJson } from './console/ownership.js';
import { buildConsole, consoleRoutes } from './console/plugin.js';
import { PresenceBoard } from './console/presence-board.js';
import { TappedHub } from './console/tapped-hub.js';
import { CrmMetrics } from './crm/http/metrics.js';
import { buildCrmRegistry } from './crm/registry.js';
import { SERVER_ERRORS } from './errors.js';
import { VisitorBudgets } from './gateway/budgets.js';
import { latestConversationFinder } from './gateway/continuity.js';
import { GatewayControl } from './gateway/control.js';
import type { ConversationHub } from './gateway/hub.js';
import { meterModel } from './gateway/model-metrics.js';
import { gatewayRoutes } from './gateway/plugin.js';
import { visitorKey } from './gateway/session.js';
import { SharedBudgets } from './gateway/shared-budgets.js';
import { LeasedTurnOrder, LocalTurnOrder, type TurnOrder } from './gateway/turn-order.js';
import { startLive } from './live/wiring.js';
import { genReqId, type LogStream, loggerOptions } from './logging.js';
import { mcpRoutes } from './mcp/http.js';
import { inProcessTools } from './mcp/in-process.js';
import { mcpRouteOptions } from './mcp/setup.js';
import { Metrics } from './metrics.js';
import { PendingAuthorizations } from './oauth/pending.js';
import { oauthRoutes } from './oauth/plugin.js';
import { OAuthStore } from './oauth/store.js';
import { projectRoot } from './paths.js';
import { ConversationStore } from './store/conversations.js';
import type { Store } from './store/db.js';

const root = projectRoot();

export interface AppDeps {
  store: Store;
  signingKey: SigningKey;
  /** The MCP confirmation HMAC key (the store's secret `mcp-confirmation`); read from the data directory when absent. */
  confirmationKey?: Uint8Array;
  /** Where logs go (default stdout); tests read them from here. */
  logStream?: LogStream;
  /** The environment model adapters read their settings from (default process.env). */
  env?: NodeJS.ProcessEnv;
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
      metrics: Metrics;
      /** SIGTERM: stop accepting chats, let turns finish (bounded), close sockets with 1012. */
      drain(): Promise<{ finished: boolean }>;
    };
  }
}

/** Builds the whole Deputy backend; never listens (server/main.ts does). */
export async function buildApp(config: Config, deps: AppDeps): Promise<FastifyInstance> {
  const app = Fastify({
    logger: loggerOptions(config.logLevel, deps.logStream),
    genReqId,
    // Slow clients cannot hold sockets open by dribbling headers (WS6).
    requestTimeout: 30_000,
    connectionTimeout: 60_000,
    bodyLimit: 64 * 1024,
    trustProxy: config.trustProxy,
  });

  // Kept once listening (the port no longer changes): every MCP request asks for it (allowed hosts),
  // and Server.address() cost 5 % of an MCP call.
  let listeningUrl: string | null = null;
  const selfUrl = () => {
    if (config.publicUrl) return config.publicUrl.replace(/\/$/, '');
    if (listeningUrl) return listeningUrl;
    const addr = app.server.address() as AddressInfo | null;
    const host = config.host.includes(':') ? `[${config.host}]` : config.host;
    const url = `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${addr?.port ?? config.port}`;
    if (addr) listeningUrl = url;
    return url;
  };
  const mcpUrl = () => config.mcpUrl ?? `${selfUrl()}/mcp`;
  // Several nodes share PostgreSQL (docs/scaling.md): turn order, confirm cards, budgets and live
  // fan-out go through the database; on SQLite (one node) turns queue in process.
  const databaseUrl = deps.store.dialect === 'postgres' ? config.databaseUrl : undefined;
  const nodeId = `n_${randomBytes(6).toString('base64url')}`;
  const turns: TurnOrder = databaseUrl
    ? new LeasedTurnOrder({
        db: deps.store.db,
        nodeId,
        // Lease statements ride in the live bus's notify statement (server/live/pg-bus.ts).
        run: async (write, released) => {
          if (hub.live) return hub.live.ride(write, released ? { k: 'l', c: released } : undefined);
          return (await write.execute(deps.store.db)).rows[0];
        },
        stopping: (): boolean => control.draining,
        log: app.log,
        // The owner row the turn reads first rides in the take (console/handoff.ts).
        withTake: {
          read: ownerJson,
          taken: (cid, value) => people.handoff.taken(cid, ownedFromJson(value)),
          forget: (cid) => people.handoff.forgetTaken(cid),
        },
      })
    : new LocalTurnOrder();
  // The hub with a tap for the operator consoles (docs/architecture.md §10).
  const hub = new TappedHub({ db: deps.store.db, nodeId, turns, log: app.log });
  const metrics = new Metrics();
  const control = new GatewayControl(hub);
  const drain = () => control.drain(config.limits.drainTimeoutMs);
  app.decorate('deputy', { config, store: deps.store, selfUrl, mcpUrl, hub, metrics, drain });
  // The people side first: in demo mode it starts creating the demo operator (a scrypt hash on a
  // first start, on a worker thread) while everything below registers (docs/console.md).
  const conversations = new ConversationStore(deps.store.db);
  const people = buildConsole({
    store: deps.store,
    config,
    hub,
    conversations,
    log: app.log,
    registry: metrics.registry,
  });

  // One CRM per site, built once (docs/architecture.md §11); the MCP server picks one per token.
  const crms = await buildCrmRegistry(config, deps.store.db, {
    log: app.log,
    metrics: new CrmMetrics(metrics.registry),
  });
  const minter = new McpTokenMinter(deps.signingKey, selfUrl, mcpUrl);
  // One model per name in use: sites may each name their own (docs/architecture.md §3 sites configuration).
  const models = new Map(
    [...new Set([...config.sites.values()].map((s) => s.model))].map((n) => [n, createModel(n, deps.env)]),
  );
  const budgets = databaseUrl
    ? new SharedBudgets(deps.store.db, config.limits)
    : new VisitorBudgets(config.limits);

  app.get('/.well-known/jwks.json', async () => ({ keys: [deps.signingKey.publicJwk] }));
  app.get('/healthz', async () => ({ ok: true }));
  app.get('/readyz', async (_req, reply) => {
    const ready = !control.draining && (await deps.store.ping());
    if (!ready) reply.code(503);
    return ready ? { ok: true } : { ok: false, code: 'not_ready', message: SERVER_ERRORS.not_ready.message };
  });
  app.get('/metrics', async (req, reply) => {
    if (config.metricsToken && req.headers.authorization !== `Bearer ${config.metricsToken}`) {
      return reply
        .code(401)
        .send({ code: 'metrics_forbidden', message: SERVER_ERRORS.metrics_forbidden.message });
    }
    reply.type(metrics.registry.contentType);
    return metrics.registry.metrics();
  });
  app.addHook('onResponse', async (req, reply) => {
    const route = req.routeOptions.url ?? 'unmatched';
    metrics.httpSeconds.observe({ route, status: String(reply.statusCode) }, reply.elapsedTime / 1000);
  });

  const mcpOptions = mcpRouteOptions({
    config,
    store: deps.store,
    signingKey: deps.signingKey,
    ...(deps.confirmationKey ? { confirmationKey: deps.confirmationKey } : {}),
    issuer: selfUrl,
    resourceUrl: mcpUrl,
    log: app.log,
    crms,
  });
  await app.register(mcpRoutes, mcpOptions);
  // The embedded default reaches its own MCP server in process (docs/architecture.md §7): the same verifier checks
  // the raw MCP token on every request, without four loopback HTTP round trips per turn. With
  // MCP_URL set the MCP server is elsewhere and the agent speaks Streamable HTTP to it.
  const toolSpecCache = new Map<string, Promise<ToolSpec[]>>();
  const mcpTarget: McpTarget = config.mcpUrl ?? {
    direct: (getToken) => inProcessTools(getToken, mcpOptions),
  };
  const transport = typeof mcpTarget === 'string' ? undefined : mcpTarget;

  await app.register(gatewayRoutes, {
    sites: config.sites,
    visitorAudience: config.visitorAudience,
    conversations,
    hub,
    guard: people.handoff,
    visitorTyping: (cid, on) => void people.service.visitorTyping(cid, on).catch(() => {}),
    latestConversation: latestConversationFinder(deps.store.db),
    createAgent: (identity, conversationId, locale) => {
      const phoneCountry = config.sites.get(identity.site)?.phoneCountry;
      const model =
        models.get(config.sites.get(identity.site)?.model ?? config.model) ??
        createModel(config.model, deps.env);
      // Every model step is charged to the visitor's per-minute budget.
      return new VisitorAgent(identity, conversationId, {
        model: people.handoff.guardModel(
          budgets.wrapModel(meterModel(model, metrics), visitorKey(identity), () =>
            metrics.budgetRefusals.inc({ budget: 'model_calls' }),
          ),
          conversationId,
        ),
        minter,
        mcpUrl,
        log: app.log,
        locale,
        toolSpecCache,
        ...(transport ? { transport } : {}),
        ...(phoneCountry ? { phoneCountry } : {}),
      });
    },
    log: app.log,
    limits: config.limits,
    metrics,
    budgets,
    control,
  });

  // Operators online on any node count for handoff (docs/scaling.md, "Operator presence").
  const presence = databaseUrl
    ? new PresenceBoard({
        db: deps.store.db,
        nodeId,
        local: () => people.consoles.members(),
        changed: (site) =>
          people.consoles.publish(site, { type: 'presence', online: people.consoles.online(site) }),
        announce: (site) => hub.live?.publish({ k: 'p', t: site }),
        log: app.log,
      })
    : undefined;
  people.consoles.cluster = presence;
  presence?.start();
  const live = await startLive({
    db: deps.store.db,
    databaseUrl,
    hub,
    conversations,
    consoleSites: () => people.consoles.sites(),
    presence: () => presence?.poke(),
    log: app.log,
  });
  app.addHook('onClose', async () => {
    if (budgets instanceof SharedBudgets) budgets.close();
    await presence?.close();
    await live.delivery.close();
  });

  await app.register(consoleRoutes, {
    parts: people,
    config,
    customers: {
      signingKey: deps.signingKey,
      issuer: selfUrl,
      audience: mcpUrl,
      connect: (getToken) => connectCrmTools(mcpTarget, getToken),
    },
  });
  // Deputy as the OAuth 2.1 authorization server of operators' MCP clients (docs/staff-mcp.md).
  await app.register(oauthRoutes, {
    store: new OAuthStore(deps.store.db),
    pending: new PendingAuthorizations(deps.store.db),
    operators: people.operators,
    limiter: people.limiter,
    signingKey: deps.signingKey,
    issuer: selfUrl,
    resourceUrl: mcpUrl,
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
