import websocket from '@fastify/websocket';
import type { FastifyInstance } from 'fastify';
import { WIRE_ERRORS } from '../../shared/errors.js';
import { MAX_FRAME_BYTES } from '../../shared/protocol.js';
import { SERVER_ERRORS } from '../errors.js';
import { ConnectionCaps } from './connection-caps.js';
import { Heartbeat } from './heartbeat.js';
import { sitesForOrigin } from './origin.js';
import { type GatewayDeps, Session } from './session.js';

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
        const host = req.headers.host ?? '';
        const selfOrigins = [`http://${host}`, `https://${host}`];
        const allowed = sitesForOrigin(req.headers.origin, selfOrigins, deps.sites);
        const site = (req.query as { site?: unknown }).site;
        if (allowed.size === 0 || (typeof site === 'string' && !allowed.has(site))) {
          metrics.connectionsRefused.inc({ reason: 'origin' });
          req.log.info({ origin: req.headers.origin?.slice(0, 200) }, 'upgrade refused: origin not allowed');
          return reply
            .code(403)
            .send({ code: 'forbidden_origin', message: WIRE_ERRORS.forbidden_origin.message });
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
        allowedSites.set(req.raw, allowed);
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
        });
      } catch (err) {
        req.log.error({ err }, 'websocket session setup failed');
        socket.terminate();
      }
    },
  );
}
