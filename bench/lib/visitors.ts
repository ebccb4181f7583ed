import { readFileSync } from 'node:fs';
import path from 'node:path';
import { signVisitorToken } from '../../server/auth/visitor-token.js';
import { LoopSocket } from './sockets.js';

/** The demo site's generated secret in a server's data directory. */
function demoSecret(dataDir: string): Uint8Array {
  const text = readFileSync(path.join(dataDir, 'keys', 'site-demo.secret'), 'utf8').trim();
  return new Uint8Array(Buffer.from(text, 'base64url'));
}

/** A demo visitor token, as the demo page would mint it for a signed-in customer. */
export function demoToken(dataDir: string, sub = 'cus_alice', name = 'Alice Martin'): Promise<string> {
  return signVisitorToken({ secret: demoSecret(dataDir), site: 'demo', audience: 'deputy', sub, name });
}

/**
 * Opens /ws, says hello with the token and waits for the welcome: an authenticated session. It asks
 * for batches (`/ws?batch=1`) as the widget does (docs/protocol.md), unless `batch: false` (an older
 * client, or `BENCH_BATCH=0` to measure the path without them).
 */
export async function openVisitor(
  baseUrl: string,
  token: string,
  opts: { batch?: boolean } = {},
): Promise<LoopSocket> {
  const batch = opts.batch ?? process.env.BENCH_BATCH !== '0';
  const socket = await LoopSocket.open(
    `${baseUrl.replace(/^http/, 'ws')}/ws?site=demo${batch ? '&batch=1' : ''}`,
  );
  await socket.roundTrip(JSON.stringify({ type: 'hello', v: 1, site: 'demo', token }), (data) => {
    for (const frame of framesOf(data) as { type: string; code?: string }[]) {
      if (frame.type === 'error') throw new Error(`hello refused: ${frame.code}`);
      if (frame.type === 'welcome') return true;
    }
    return false;
  });
  return socket;
}

/** The frames of one WebSocket message: a single frame, or a batch (an array, docs/protocol.md). */
export function framesOf(data: string): unknown[] {
  const parsed = JSON.parse(data) as unknown;
  return Array.isArray(parsed) ? parsed : [parsed];
}

let counter = 0;

/** The visitor-message frame for one turn (a fresh idempotent client id each time). */
export function messageFrame(text: string): string {
  counter++;
  return JSON.stringify({ type: 'message', clientId: `bench_${process.pid}_${counter}`, text });
}

let asked = 0;

/**
 * The benchmark question, numbered so that no two turns send the same text, as with real visitors:
 * nothing the server keeps per text (the rules model remembers its classification of recent texts)
 * can be reused across visitors and flatter the figures.
 */
export function numbered(question: string): string {
  asked++;
  return `${question} (question ${asked})`;
}

/**
 * Completes a turn on the stored assistant message; checks it really answered (an error frame or
 * a reply without the ticket's status fails the turn, so a broken path cannot look fast).
 */
export function assistantAnswer(
  expect: readonly string[],
  tally?: { frames: number },
): (data: string) => boolean {
  return (data) => {
    const frames = framesOf(data) as { type: string; role?: string; text?: string; code?: string }[];
    if (tally) tally.frames += frames.length;
    for (const frame of frames) {
      if (frame.type === 'error') throw new Error(`error frame: ${frame.code}`);
      if (frame.type !== 'message' || frame.role !== 'assistant') continue;
      for (const e of expect) {
        if (!frame.text?.includes(e)) throw new Error(`unexpected answer: ${frame.text?.slice(0, 120)}`);
      }
      return true;
    }
    return false;
  };
}
