import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServerFrame } from '../../../shared/protocol.js';
import { removeDataDir, startServer, type TestServer } from '../../helpers/server.js';
import { describeStores } from '../../helpers/stores.js';
import { visitorToken } from '../../helpers/tokens.js';
import { TestSocket } from '../../helpers/ws-client.js';

// Batches (docs/protocol.md): a client that opens `/ws?batch=1` may get several frames of one server
// event-loop turn as one WebSocket message (an array). It must see exactly the frames, in exactly
// the order, that a client without it sees one message each.

/** Two tabs of one conversation: `plain` as older widgets connect, `batched` asking for batches. */
async function twoTabs(server: TestServer, sub: string) {
  const token = await visitorToken(server, sub);
  const plain = await TestSocket.open(server.url);
  plain.send({ type: 'hello', v: 1, site: 'demo', token });
  const welcome = await plain.next('welcome');
  const batched = await TestSocket.open(server.url, { batch: true });
  batched.send({
    type: 'hello',
    v: 1,
    site: 'demo',
    token,
    conversationId: welcome.conversationId,
    lastSeq: welcome.lastSeq,
  });
  await batched.next('welcome');
  // Both are past their welcome and replay: from here on they show the same live conversation.
  return { plain, batched, conversationId: welcome.conversationId, token, from: [1, 1] as const };
}

/** Sends a visitor message and waits until both tabs have the assistant reply that follows. */
async function turn(sender: TestSocket, other: TestSocket, text: string, clientId: string) {
  const starts = [sender.frames.length, other.frames.length];
  sender.send({ type: 'message', clientId, text });
  await sender.next('ack', (f) => f.clientId === clientId);
  await sender.next('message', (m) => m.role === 'assistant', 10_000, starts[0]);
  await other.next('message', (m) => m.role === 'assistant', 10_000, starts[1]);
}

const withoutAcks = (frames: ServerFrame[]) => frames.filter((f) => f.type !== 'ack');
/** The frames after the welcome (and the replay that follows it on a resume). */
const live = (s: TestSocket) => s.frames.slice(s.frames.findIndex((f) => f.type === 'welcome') + 1);
const arrays = (s: TestSocket) => s.messages.filter((m) => Array.isArray(m));

describeStores('gateway frame batches', (kind) => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startServer({ store: kind });
  });
  afterAll(async () => {
    await server.close();
    removeDataDir(server.dataDir);
  });

  it('sends a batching tab the same frames in the same order as a tab without it (tool-using turns)', async () => {
    const { plain, batched } = await twoTabs(server, 'cus_alice');
    await turn(plain, batched, "What's the status of ticket T-1001?", 'batch_tool_1');
    await turn(batched, plain, 'status of T-1002?', 'batch_tool_2');
    const a = live(plain);
    const b = live(batched);
    // Each tab got the ack of its own message only, right before that message's stored frame.
    expect(withoutAcks(b)).toEqual(withoutAcks(a));
    for (const [s, clientId] of [
      [a, 'batch_tool_1'],
      [b, 'batch_tool_2'],
    ] as const) {
      const ack = s.findIndex((f) => f.type === 'ack' && f.clientId === clientId);
      expect(s[ack + 1]).toMatchObject({ type: 'message', role: 'visitor', clientId });
    }
    expect(withoutAcks(a).map((f) => (f.type === 'tool' ? `tool:${f.status}` : f.type))).toEqual([
      'message',
      'tool:running',
      'tool:done',
      'reply_start',
      'delta',
      'message',
      'message',
      'tool:running',
      'tool:done',
      'reply_start',
      'delta',
      'message',
    ]);
    // Without the capability nothing is ever an array; with it, frames of one turn travel together.
    expect(arrays(plain)).toEqual([]);
    expect(arrays(batched).length).toBeGreaterThan(0);
    plain.close();
    batched.close();
  });

  it('sends both tabs the same confirm card turn, clicked in the batching tab', async () => {
    const { plain, batched } = await twoTabs(server, 'cus_bob');
    const start = [plain.frames.length, batched.frames.length];
    plain.send({
      type: 'message',
      clientId: 'batch_card_1',
      text: 'Please change my phone number to +44 20 7946 0001',
    });
    const card = await batched.next('confirm_request', () => true, 10_000);
    await plain.next('confirm_request', (c) => c.confirmId === card.confirmId, 10_000);
    batched.send({ type: 'confirm', confirmId: card.confirmId, accept: true });
    await plain.next('message', (m) => m.role === 'assistant', 10_000, start[0]);
    await batched.next('message', (m) => m.role === 'assistant', 10_000, start[1]);
    const a = withoutAcks(live(plain));
    expect(withoutAcks(live(batched))).toEqual(a);
    expect(a.map((f) => f.type)).toEqual(
      expect.arrayContaining(['confirm_request', 'confirm_result', 'message']),
    );
    expect(a.find((f) => f.type === 'confirm_result')).toMatchObject({ outcome: 'accepted' });
    expect(arrays(plain)).toEqual([]);
    plain.close();
    batched.close();
  });

  it('replays a resumed conversation, a pending card included, identically with and without batches', async () => {
    const token = await visitorToken(server, 'cus_alice');
    const first = await TestSocket.open(server.url);
    first.send({ type: 'hello', v: 1, site: 'demo', token });
    const welcome = await first.next('welcome');
    first.send({ type: 'message', clientId: 'batch_resume_1', text: 'status of T-1001?' });
    await first.next('message', (m) => m.role === 'assistant', 10_000);
    first.send({
      type: 'message',
      clientId: 'batch_resume_2',
      text: 'Please change my phone number to +44 20 7946 0002',
    });
    const card = await first.next('confirm_request', () => true, 10_000);
    first.close();
    await first.waitClose();

    const resume = async (batch: boolean) => {
      const s = await TestSocket.open(server.url, { batch });
      s.send({
        type: 'hello',
        v: 1,
        site: 'demo',
        token,
        conversationId: welcome.conversationId,
        lastSeq: 1,
      });
      await s.next('confirm_request', (c) => c.confirmId === card.confirmId);
      return s;
    };
    const plain = await resume(false);
    const batched = await resume(true);
    expect(batched.frames).toEqual(plain.frames);
    expect(plain.frames.filter((f) => f.type === 'welcome')).toHaveLength(1);
    expect(plain.frames.filter((f) => f.type === 'message').map((f) => f.seq)).toEqual([2, 3]);
    expect(plain.frames.at(-1)).toEqual(card);
    expect(arrays(plain)).toEqual([]);
    // The welcome held during the replay and the card after it go out in one step: one batch.
    expect(arrays(batched).length).toBeGreaterThan(0);
    // The card is still clickable once, from the batching tab.
    batched.send({ type: 'confirm', confirmId: card.confirmId, accept: true });
    expect((await batched.next('confirm_result')).outcome).toBe('accepted');
    await plain.next('confirm_result');
    plain.close();
    batched.close();
  });

  describe('WebSocket messages per tool-using turn', () => {
    const messagesOfTurn = async (batch: boolean | string) => {
      const token = await visitorToken(server, 'cus_alice');
      const s = await TestSocket.open(server.url, { batch });
      s.send({ type: 'hello', v: 1, site: 'demo', token });
      await s.next('welcome');
      const [frames, messages] = [s.frames.length, s.messages.length];
      s.send({
        type: 'message',
        clientId: `batch_count_${String(batch).replace(/\W/g, '_')}`,
        text: "What's the status of ticket T-1001?",
      });
      await s.next('message', (m) => m.role === 'assistant', 10_000, frames);
      s.close();
      return { frames: s.frames.length - frames, messages: s.messages.slice(messages) };
    };

    it('is one per frame without the capability: seven', async () => {
      const { frames, messages } = await messagesOfTurn(false);
      expect(frames).toBe(7);
      expect(messages).toHaveLength(7);
    });

    it('is one per frame for any other value of the parameter', async () => {
      const { frames, messages } = await messagesOfTurn('batch=true');
      expect(frames).toBe(7);
      expect(messages).toHaveLength(7);
    });

    it('is fewer with it: the ack with the stored message, and the reply with its chips', async () => {
      const { frames, messages } = await messagesOfTurn(true);
      expect(frames).toBe(7);
      // The ack and the stored visitor message are sent in one synchronous step: always together,
      // first (what else the same event-loop turn produced, such as the tool chip, may follow them).
      const first = messages[0];
      expect(Array.isArray(first)).toBe(true);
      expect((first as ServerFrame[]).slice(0, 2)).toMatchObject([
        { type: 'ack' },
        { type: 'message', role: 'visitor' },
      ]);
      expect(messages.length).toBeLessThan(7);
    });
  });
});
