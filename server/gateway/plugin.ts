import websocket from '@fastify/websocket';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { WIRE_ERRORS } from '../../shared/errors.js';
import { BATCH_QUERY, MAX_FRAME_BYTES } from '../../shared/protocol.js';
import { SERVER_ERRORS } from '../errors.js';
import { ConnectionCaps } from './connection-caps.js';
import { Heartbeat } from './heartbeat.js';
import { sitesForOrigin } from './origin.js';
import { type GatewayDeps, Session } from './session.js';
import { wireMessage } from './wire-text.js';

/** The widget's WebSocket endpoint, `/ws?site=<id>`, with its limits (docs/architecture.md §8). */
export async function gatewayRoutes(app: FastifyInstance, deps: GatewayDeps): Promise<void> {
  const { limits, metrics, control } = deps;
  const ipCaps = new ConnectionCaps(limits.connectionsPerIp);
  const visitorCaps = new ConnectionCaps(limits.connectionsPerVisitor);
  const heartbeat = new Heartbeat(limits.heartbeatMs);

  await app.register(websocket, {
    // perMessageDeflate off: no zip bombs (WS10), and maxPayload bounds every frame (WS1).
    options: { maxPayload: MAX_FRAME_BYTES, perMessageDeflate: false },
    // On app.close() (after a drain, or in tests), sockets still open are told to reconnect (1012).
    preClose(done) {
      heartbeat.stop();
      for (const client of app.websocketServer.clients) {
        client.close(WIRE_ERRORS.shutting_down.close, 'shutting_down');
      }
      app.websocketServer.close(() => done());
    },
  });

  const allowedSites = new WeakMap<object, Set<string>>();

  /** Why a page at this origin may not open a chat for `site` (null: it may). */
  const refusal = (
    req: FastifyRequest,
  ): { status: number; code: 'forbidden_origin' | 'unknown_site' } | null => {
    const host = req.headers.host ?? '';
    const allowed = sitesForOrigin(req.headers.origin, [`http://${host}`, `https://${host}`], deps.sites);
    const site = (req.query as { site?: unknown }).site;
    if (typeof site === 'string' && !deps.sites.has(site)) return { status: 404, code: 'unknown_site' };
    if (allowed.size === 0 || (typeof site === 'string' && !allowed.has(site)))
      return { status: 403, code: 'forbidden_origin' };
    allowedSites.set(req.raw, allowed);
    return null;
  };

  // A browser cannot read why an upgrade was refused (it reports close 1006), so the widget asks
  // here after a socket that never opened: the refusal's code and message, in the visitor's
  // language, readable from any origin (nothing in it is secret). docs/protocol.md, issue #14.
  app.get('/ws/preflight', async (req, reply) => {
    reply.header('access-control-allow-origin', '*');
    const locale = (req.query as { locale?: unknown }).locale;
    const lang = typeof locale === 'string' ? locale.slice(0, 35) : 'en';
    if (typeof (req.query as { site?: unknown }).site !== 'string') {
      return reply.code(400).send({ code: 'unknown_site', message: wireMessage('unknown_site', lang) });
    }
    if (control.draining)
      return reply.code(503).send({ code: 'draining', message: wireMessage('shutting_down', lang) });
    const refused = refusal(req);
    if (refused)
      return reply
        .code(refused.status)
        .send({ code: refused.code, message: wireMessage(refused.code, lang) });
    return { ok: true };
  });

  app.get(
    '/ws',
    {
      websocket: true,
      // Checked before the upgrade (WS8): a page on a foreign origin gets 403, never a socket.
      preValidation: async (req, reply) => {
        if (control.draining) {
          metrics.connectionsRefused.inc({ reason: 'draining' });
          return reply.code(503).send({ code: 'draining', message: SERVER_ERRORS.draining.message });
        }
        const refused = refusal(req);
        if (refused) {
          metrics.connectionsRefused.inc({ reason: 'origin' });
          req.log.info({ origin: req.headers.origin?.slice(0, 200) }, 'upgrade refused: origin not allowed');
          // Always 403 on the upgrade (WS8); the preflight tells an unknown site apart with 404.
          return reply.code(403).send({ code: refused.code, message: WIRE_ERRORS[refused.code].message });
        }
        // An address at its cap gets no socket at all (WS9): refusing after the upgrade would still
        // cost a socket, a handshake and a close per attempt. The cap is taken again after the
        // upgrade, which settles upgrades racing past this check.
        if (ipCaps.count(req.ip) >= limits.connectionsPerIp) {
          metrics.connectionsRefused.inc({ reason: 'per_ip' });
          return reply
            .code(429)
            .send({ code: 'too_many_connections', message: WIRE_ERRORS.too_many_connections.message });
        }
      },
    },
    (socket, req) => {
      try {
        // An unhandled 'error' event would throw; the session logs errors once it exists.
        socket.on('error', () => {});
        control.sockets.add(socket);
        socket.once('close', () => control.sockets.delete(socket));
        const releaseIp = ipCaps.acquire(req.ip);
        if (!releaseIp) {
          metrics.connectionsRefused.inc({ reason: 'per_ip' });
          socket.send(
            JSON.stringify({
              type: 'error',
              code: 'too_many_connections',
              message: WIRE_ERRORS.too_many_connections.message,
            }),
          );
          socket.close(WIRE_ERRORS.too_many_connections.close, 'too_many_connections');
          return;
        }
        socket.once('close', releaseIp);
        heartbeat.watch(socket);
        new Session(socket, deps, {
          allowedSites: allowedSites.get(req.raw) ?? new Set(),
          reqId: req.id,
          visitorCaps,
          // The socket the upgrade was made on, which the WebSocket now writes to.
          raw: req.raw.socket,
          batch: (req.query as Record<string, unknown>)[BATCH_QUERY.name] === BATCH_QUERY.value,
        });
      } catch (err) {
        req.log.error({ err }, 'websocket session setup failed');
        socket.terminate();
      }
    },
  );
}
