// Baseline: a raw `ws` server that echoes every text message, with the gateway's socket options.
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';
import { serveParent } from '../lib/serve.js';

const wss = new WebSocketServer({
  host: '127.0.0.1',
  port: 0,
  perMessageDeflate: false,
  maxPayload: 16 * 1024,
});
await new Promise<void>((resolve) => wss.once('listening', () => resolve()));
wss.on('connection', (ws) => {
  ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary }));
});
const { port } = wss.address() as AddressInfo;
serveParent({ url: `http://127.0.0.1:${port}` }, async () => {
  for (const ws of wss.clients) ws.terminate();
  await new Promise<void>((resolve) => wss.close(() => resolve()));
});
