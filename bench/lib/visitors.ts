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

/** Opens /ws, says hello with the token and waits for the welcome: an authenticated session. */
export async function openVisitor(baseUrl: string, token: string): Promise<LoopSocket> {
  const socket = await LoopSocket.open(`${baseUrl.replace(/^http/, 'ws')}/ws?site=demo`);
  await socket.roundTrip(JSON.stringify({ type: 'hello', v: 1, site: 'demo', token }), (data) => {
    const frame = JSON.parse(data) as { type: string; code?: string };
    if (frame.type === 'error') throw new Error(`hello refused: ${frame.code}`);
    return frame.type === 'welcome';
  });
  return socket;
}

let counter = 0;

/** The visitor-message frame for one turn (a fresh idempotent client id each time). */
export function messageFrame(text: string): string {
  counter++;
  return JSON.stringify({ type: 'message', clientId: `bench_${process.pid}_${counter}`, text });
}

/**
 * Completes a turn on the stored assistant message; checks it really answered (an error frame or
 * a reply without the ticket's status fails the turn, so a broken path cannot look fast).
 */
export function assistantAnswer(expect: readonly string[]): (data: string) => boolean {
  return (data) => {
    const frame = JSON.parse(data) as { type: string; role?: string; text?: string; code?: string };
    if (frame.type === 'error') throw new Error(`error frame: ${frame.code}`);
    if (frame.type !== 'message' || frame.role !== 'assistant') return false;
    for (const e of expect) {
      if (!frame.text?.includes(e)) throw new Error(`unexpected answer: ${frame.text?.slice(0, 120)}`);
    }
    return true;
  };
}
