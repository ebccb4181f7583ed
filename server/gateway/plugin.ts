import websocket from '@fastify/websocket';
import type { FastifyInstance } from 'fastify';
import { MAX_FRAME_BYTES } from '../../shared/protocol.js';
import { sitesForOrigin } from './origin.js';
import { type GatewayDeps, Session } from './session.js';

/** The widget's WebSocket endpoint, `/ws?site=<id>`. */
export async function gatewayRoutes(app: FastifyInstance, deps: GatewayDeps): Promise<void> {
  await app.register(websocket, {
    // perMessageDeflate off: no zip bombs (WS10), and maxPayload bounds every frame (WS1).
    options: { maxPayload: MAX_FRAME_BYTES, perMessageDeflate: false },
  });

  const allowedSites = new WeakMap<object, Set<string>>();

  app.get(
    '/ws',
    {
      websocket: true,
      // Checked before the upgrade (WS8): a page on a foreign origin gets 403, never a socket.
      preValidation: async (req, reply) => {
        const host = req.headers.host ?? '';
        const selfOrigins = [`http://${host}`, `https://${host}`];
        const allowed = sitesForOrigin(req.headers.origin, selfOrigins, deps.sites);
        const site = (req.query as { site?: unknown }).site;
        if (allowed.size === 0 || (typeof site === 'string' && !allowed.has(site))) {
          return reply
            .code(403)
            .send({ code: 'forbidden_origin', message: 'This origin may not open a chat.' });
        }
        allowedSites.set(req.raw, allowed);
      },
    },
    (socket, req) => {
      new Session(socket, deps, { allowedSites: allowedSites.get(req.raw) ?? new Set() });
    },
  );
}
