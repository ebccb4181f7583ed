import type { FastifyInstance } from 'fastify';
import { type WebSocket, WebSocketServer } from 'ws';
import {
  ConsoleClientFrame,
  type ConsoleServerFrame,
  MAX_CONSOLE_FRAME,
} from '../../shared/console-protocol.js';
import { refuse, sameOrigin } from './auth.js';
import type { ConsoleClient, ConsoleHub } from './console-hub.js';
import { CONSOLE_ERRORS } from './errors.js';
import type { ConsoleService } from './service.js';
import { readCookie, type SessionStore } from './sessions.js';

/** Invalid frames a console may send before it is closed. */
const MAX_STRIKES = 20;
/** A session is re-checked this often, so a sign-out or expiry closes open consoles (C6). */
const RECHECK_MS = 30_000;

/**
 * The console's WebSocket, `/console/ws`. The session cookie and the Origin are checked before the
 * upgrade: a page on another origin, or no session, gets a coded HTTP refusal and never a socket.
 * It upgrades with its own `ws` server (the widget's @fastify/websocket is scoped to the gateway).
 */
export async function consoleSocket(
  app: FastifyInstance,
  deps: { sessions: SessionStore; consoles: ConsoleHub; service: ConsoleService },
): Promise<void> {
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: MAX_CONSOLE_FRAME,
    perMessageDeflate: false,
  });
  // Before the HTTP server closes (it would wait for these upgraded sockets otherwise).
  app.addHook('preClose', async () => {
    for (const c of wss.clients) c.terminate();
    await new Promise<void>((r) => wss.close(() => r()));
  });

  app.get('/console/ws', async (req, reply) => {
    if (req.headers.upgrade?.toLowerCase() !== 'websocket') return refuse(reply, 'console_bad_request');
    // A refused upgrade's socket is ours to end: nothing else will, and close() would wait for it.
    const deny = (code: 'console_csrf' | 'console_unauthorized') => {
      reply.raw.once('finish', () => req.raw.socket.destroy());
      return refuse(reply.header('connection', 'close'), code);
    };
    if (!req.headers.origin || !sameOrigin(req)) return deny('console_csrf');
    const token = readCookie(req.headers.cookie);
    const session = await deps.sessions.verify(token);
    if (!session || !token) return deny('console_unauthorized');
    reply.hijack();
    wss.handleUpgrade(req.raw, req.raw.socket, Buffer.alloc(0), (socket) => {
      const client: ConsoleClient = {
        operator: session.operator,
        viewing: null,
        send: (frame: ConsoleServerFrame) => {
          if (socket.readyState === socket.OPEN) socket.send(JSON.stringify(frame));
        },
      };
      serve(socket, client, token, deps);
    });
  });
}

function serve(
  socket: WebSocket,
  client: ConsoleClient,
  token: string,
  deps: { sessions: SessionStore; consoles: ConsoleHub; service: ConsoleService },
): void {
  let strikes = 0;
  const leave = deps.consoles.join(client);
  client.send({
    type: 'hello',
    operator: client.operator,
    online: deps.consoles.online(client.operator.siteId),
  });
  const ended = deps.sessions.onDestroy((t) => {
    if (t === token) socket.close(4401, 'console_unauthorized');
  });
  const recheck = setInterval(() => {
    deps.sessions.verify(token).then(
      (s) => {
        if (!s) socket.close(4401, 'console_unauthorized');
      },
      () => {},
    );
  }, RECHECK_MS);
  socket.on('error', () => {});
  socket.on('close', () => {
    clearInterval(recheck);
    ended();
    leave();
  });
  socket.on('message', (data, isBinary) => {
    const strike = () => {
      client.send({
        type: 'error',
        code: 'console_bad_frame',
        message: CONSOLE_ERRORS.console_bad_frame.message,
      });
      if (++strikes >= MAX_STRIKES) socket.close(1008, 'console_bad_frame');
    };
    if (isBinary) return strike();
    let json: unknown;
    try {
      json = JSON.parse(String(data));
    } catch {
      return strike();
    }
    const parsed = ConsoleClientFrame.safeParse(json);
    if (!parsed.success) return strike();
    const frame = parsed.data;
    if (frame.type === 'view') {
      const id = frame.conversationId;
      if (id === null) return deps.consoles.view(client, null);
      // Presence only on the operator's own site's conversations (T4).
      void deps.service.find(client.operator, id).then(
        (c) => (c ? deps.consoles.view(client, id) : strike()),
        () => {},
      );
      return;
    }
    void deps.service.typing(client.operator, frame.conversationId, frame.on).catch(() => {});
  });
}
