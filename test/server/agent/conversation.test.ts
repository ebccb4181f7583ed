import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServerFrame } from '../../../shared/protocol.js';
import { removeDataDir, startServer, type TestServer } from '../../helpers/server.js';
import { visitorToken } from '../../helpers/tokens.js';
import { ask, signIn, TestSocket } from '../../helpers/ws-client.js';
import { dbHash, rows } from '../mcp/support.js';

let server: TestServer;

beforeAll(async () => {
  server = await startServer();
});
afterAll(async () => {
  await server.close();
  removeDataDir(server.dataDir);
});

const signedIn = (sub: string, target = server) => signIn(target, sub);

/** Sends a message whose turn ends on a confirm card; resolves with the card. */
async function askForCard(socket: TestSocket, text: string) {
  const start = socket.frames.length;
  socket.send({ type: 'message', clientId: `c_${Math.random().toString(36).slice(2, 12)}`, text });
  return socket.next('confirm_request', () => true, 10_000, start);
}

function phoneOf(id: string): string | null {
  return (
    rows<{ phone: string | null }>(server, 'select phone from customers where id = ?', id)[0]?.phone ?? null
  );
}

const types = (frames: ServerFrame[]) => frames.map((f) => (f.type === 'tool' ? `tool:${f.status}` : f.type));

describe('a conversation with the rules model, end to end', () => {
  it('asks for the new number, shows a confirm card, and changes the phone only after Confirm', async () => {
    const socket = await signedIn('cus_bob');
    expect((await ask(socket, 'I want to change my number')).text).toContain("What's the new phone number?");
    const start = socket.frames.length;
    const card = await askForCard(socket, 'it is +1 415 555 0177');
    expect(card.tool).toBe('update_phone_number');
    expect(card.summary).toContain('+1 415 555 0177');
    // Nothing is written while the card waits.
    expect(phoneOf('cus_bob')).toBe('+442079460958');
    socket.send({ type: 'confirm', confirmId: card.confirmId, accept: true });
    const reply = await socket.next('message', (m) => m.role === 'assistant', 10_000, start);
    expect(reply.text).toBe('Done! Your phone number is now +1 415 555 0177.');
    expect(phoneOf('cus_bob')).toBe('+14155550177');
    // Tool activity as it happens, the card, the click, then the reply streamed (its reply_start
    // goes out with its first text), then the stored message.
    const order = types(socket.frames.slice(start)).filter((t) => t !== 'ack' && t !== 'message');
    expect(order.slice(0, 5)).toEqual([
      'tool:running',
      'confirm_request',
      'confirm_result',
      'tool:done',
      'reply_start',
    ]);
    expect(order).toContain('delta');
    socket.close();
  });

  it('changes nothing when the visitor cancels the card', async () => {
    const socket = await signedIn('cus_alice');
    const before = dbHash(server);
    const start = socket.frames.length;
    const card = await askForCard(socket, 'please change my phone number to +44 7911 123456');
    socket.send({ type: 'confirm', confirmId: card.confirmId, accept: false });
    const reply = await socket.next('message', (m) => m.role === 'assistant', 10_000, start);
    expect(reply.text).toBe("OK, I haven't changed anything.");
    expect(dbHash(server)).toBe(before);
    socket.close();
  });

  it('opens a ticket with the subject and description gathered across turns', async () => {
    const socket = await signedIn('cus_alice');
    expect((await ask(socket, 'I need to report a problem')).text).toContain('what is it about?');
    expect((await ask(socket, 'Coffee machine leaks')).text).toContain('describe the problem');
    const start = socket.frames.length;
    const card = await askForCard(socket, 'Water leaks from the bottom after every use.');
    expect(card.summary).toContain('Coffee machine leaks');
    socket.send({ type: 'confirm', confirmId: card.confirmId, accept: true });
    const reply = await socket.next('message', (m) => m.role === 'assistant', 10_000, start);
    const [ticket] = rows<{ id: string; subject: string; description: string }>(
      server,
      "select id, subject, description from tickets where subject = 'Coffee machine leaks'",
    );
    expect(ticket?.description).toBe('Water leaks from the bottom after every use.');
    expect(reply.text).toContain(`I've opened ticket ${ticket?.id} ("Coffee machine leaks")`);
    socket.close();
  });

  it('lists the visitor’s tickets with their statuses and dates', async () => {
    const socket = await signedIn('cus_alice');
    const reply = await ask(socket, 'show me all my tickets');
    expect(reply.text).toContain('T-1001 "Order #5512 arrived damaged": **open**');
    expect(reply.text).toContain('T-1002 "Refund for order #5388": **solved**, updated October 6, 2026');
    socket.close();
  });

  it('remembers what it asked across a server restart', async () => {
    const dataDir = server.dataDir;
    const first = await startServer({ dataDir: `${dataDir}-restart` });
    const socket = await signedIn('cus_bob', first);
    expect((await ask(socket, 'I want to change my number')).text).toContain("What's the new phone number?");
    const welcome = socket.frames.find((f) => f.type === 'welcome');
    const conversationId = welcome?.type === 'welcome' ? welcome.conversationId : '';
    socket.close();
    await first.close();
    const second = await startServer({ dataDir: first.dataDir, port: first.port });
    try {
      const resumed = await TestSocket.open(second.url);
      resumed.send({
        type: 'hello',
        v: 1,
        site: 'demo',
        token: await visitorToken(second.dataDir, 'cus_bob'),
        conversationId,
        lastSeq: 2,
      });
      expect((await resumed.next('welcome')).resumed).toBe(true);
      const card = await askForCard(resumed, '+1 415 555 0123');
      expect(card).toMatchObject({ tool: 'update_phone_number' });
      expect(card.summary).toContain('+1 415 555 0123');
      resumed.close();
    } finally {
      await second.close();
      removeDataDir(second.dataDir);
    }
  });
});
