import { existsSync } from 'node:fs';
import path from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import type { Registry } from 'prom-client';
import type { ServerFrame } from '../../shared/protocol.js';
import { basePath, type Config } from '../config.js';
import { projectRoot } from '../paths.js';
import type { ConversationStore } from '../store/conversations.js';
import type { Store } from '../store/db.js';
import { dialectOf, isUniqueViolation } from '../store/dialect.js';
import { ConsoleHub } from './console-hub.js';
import type { CustomerReaderDeps } from './customer.js';
import { Handoff } from './handoff.js';
import { handoffMetrics } from './metrics.js';
import { NoteStore, OperatorAudit } from './notes.js';
import { OperatorStore } from './operators.js';
import { OwnershipStore } from './ownership.js';
import { consoleApi } from './routes.js';
import { ConsoleService } from './service.js';
import { SessionStore } from './sessions.js';
import { SignInLimiter, type SignInLimits } from './signin-limit.js';
import { SharedSignInLimiter } from './signin-limit-shared.js';
import { consoleSocket } from './socket.js';
import type { TappedHub } from './tapped-hub.js';

/** The demo operator (docs/console.md): exists only in demo mode. */
export const DEMO_OPERATOR = {
  email: 'sam@northwind.example',
  name: 'Sam',
  password: 'deputy-demo-sam',
} as const;

export interface ConsoleParts {
  handoff: Handoff;
  consoles: ConsoleHub;
  service: ConsoleService;
}

/**
 * Builds the people side (docs/architecture.md §10): stores, the handoff guard the gateway asks
 * before every turn, the console hub fed by the conversation hub's tap. Routes come separately.
 */
export function buildConsole(deps: {
  store: Store;
  config: Config;
  hub: TappedHub;
  conversations: ConversationStore;
  log: FastifyBaseLogger;
  registry: Registry;
}): ConsoleParts & {
  operators: OperatorStore;
  sessions: SessionStore;
  limiter: SignInLimits;
  demoOperator: Promise<{ err: unknown } | null> | null;
} {
  const db = deps.store.db;
  const operators = new OperatorStore(db);
  // Demo mode: the demo operator, created on a first start. That hashes its password (scrypt, 0.1 s
  // or more on a worker thread), so it starts here, early, while the rest of the app registers;
  // consoleRoutes waits for it before listening. The outcome is kept, not thrown: a failure fails
  // start-up there, not as an unhandled rejection here.
  const demoOperator = deps.config.demo
    ? ensureDemoOperator(operators, deps.log).then(
        () => null,
        (err: unknown) => ({ err }),
      )
    : null;
  const ownership = new OwnershipStore(db);
  const notes = new NoteStore(db);
  const consoles = new ConsoleHub();
  let service: ConsoleService | null = null;
  const handoff = new Handoff({
    db,
    ownership,
    notes,
    conversations: deps.conversations,
    hub: deps.hub,
    consoles,
    sites: deps.config.sites,
    log: deps.log,
    announce: (id, event) => service?.announce(id, event) ?? Promise.resolve(),
  });
  const { firstReplySeconds } = handoffMetrics(deps.registry, {
    queueLength: async () =>
      Number(
        (
          await db
            .selectFrom('conversations')
            .select((eb) => eb.fn.countAll<number>().as('n'))
            .where('owner', '=', 'queue')
            .where('status', '=', 'open')
            .executeTakeFirst()
        )?.n ?? 0,
      ),
    operatorsOnline: () => consoles.onlineTotal(),
  });
  service = new ConsoleService({
    firstReply: (s) => firstReplySeconds.observe(s),
    db,
    operators,
    ownership,
    notes,
    audit: new OperatorAudit(db),
    conversations: deps.conversations,
    hub: deps.hub,
    consoles,
    handoff,
  });
  const svc = service;
  const siteOf = new Map<string, string>();
  deps.hub.tap = (conversationId: string, frame: ServerFrame) => {
    void (async () => {
      let site = siteOf.get(conversationId);
      if (!site) {
        site = (await ownership.get(conversationId))?.siteId;
        if (!site) return;
        if (siteOf.size > 50_000) siteOf.clear();
        siteOf.set(conversationId, site);
      }
      // Consoles are reached only on the node they are connected to: with none of this site here,
      // there is nobody to tell, and the announce's read is skipped (it ran on every visitor turn).
      // A console that opens later reads the conversation list itself.
      if (!consoles.watches(site)) return;
      if (frame.type === 'tool') consoles.publish(site, { type: 'tool', conversationId, tool: frame });
      if (frame.type !== 'message') return;
      consoles.publish(site, { type: 'message', conversationId, message: frame });
      if (frame.role === 'visitor') await svc.announce(conversationId, 'visitor_message');
      // Ownership changes come with a status line ("Sam joined"): consoles on every node, not only
      // the one where it happened, learn the conversation's new state from it (docs/scaling.md).
      else if (frame.role === 'status') await svc.announce(conversationId);
    })().catch((err: unknown) => deps.log.warn({ err }, 'console delivery failed'));
  };
  return {
    handoff,
    consoles,
    service,
    operators,
    sessions: new SessionStore(db, operators),
    // One limiter for the console and the OAuth sign-in page: two doors, one count (C2); on
    // PostgreSQL one count for every node too.
    limiter: dialectOf(db) === 'postgres' ? new SharedSignInLimiter(db) : new SignInLimiter(),
    demoOperator,
  };
}

/** Registers `/console` (the built UI), its API and its WebSocket. */
export async function consoleRoutes(
  app: FastifyInstance,
  opts: { parts: ReturnType<typeof buildConsole>; config: Config; customers: CustomerReaderDeps },
): Promise<void> {
  const { parts, config } = opts;
  // Served under a path prefix (DEPUTY_PUBLIC_URL `https://example.com/deputy`, the proxy stripping
  // it): the cookie's path and the page's asset URLs carry the prefix the browser sees.
  const prefix = config.publicUrl ? basePath(config.publicUrl) : '';
  if (config.demo) {
    // onReady hooks run before the server listens: the demo sign-in works from the first request.
    app.addHook('onReady', async () => {
      const failed = await parts.demoOperator;
      if (failed) throw failed.err;
    });
    app.addHook('onListen', async () => {
      app.log.info(
        { console: `${app.deputy.selfUrl()}/console` },
        `Operator console: ${app.deputy.selfUrl()}/console (demo sign-in: ${DEMO_OPERATOR.email} / ${DEMO_OPERATOR.password})`,
      );
    });
  }
  await consoleApi(app, {
    operators: parts.operators,
    sessions: parts.sessions,
    service: parts.service,
    limiter: parts.limiter,
    customers: opts.customers,
    secure: (req) => req.protocol === 'https' || (config.publicUrl ?? '').startsWith('https:'),
    cookiePath: `${prefix}/console`,
  });
  await consoleSocket(app, { sessions: parts.sessions, consoles: parts.consoles, service: parts.service });
  const dist = path.join(projectRoot(), 'dist', 'console');
  if (!existsSync(path.join(dist, 'index.html'))) {
    app.log.warn('dist/console is missing: run `npm run build` to serve the operator console');
    return;
  }
  await app.register(fastifyStatic, {
    root: path.join(dist, 'assets'),
    prefix: '/console/assets/',
    decorateReply: false,
    index: false,
  });
  const page = async (_req: unknown, reply: import('fastify').FastifyReply) => {
    reply
      .header('cache-control', 'no-store')
      .header('content-security-policy', "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'")
      .header('x-frame-options', 'DENY')
      .type('text/html; charset=utf-8');
    const html = await import('node:fs/promises').then((fs) =>
      fs.readFile(path.join(dist, 'index.html'), 'utf8'),
    );
    return reply.send(prefix ? html.replaceAll('="/console/', `="${prefix}/console/`) : html);
  };
  app.get('/console', page);
  app.get('/console/', page);
}

async function ensureDemoOperator(operators: OperatorStore, log: FastifyBaseLogger): Promise<void> {
  if (await operators.find('demo', DEMO_OPERATOR.email)) return;
  try {
    await operators.add({ siteId: 'demo', role: 'admin', ...DEMO_OPERATOR });
    log.debug('demo operator created');
  } catch (err) {
    // Another node sharing the database created it first (nodes booting together).
    if (!isUniqueViolation(err)) throw err;
  }
}
