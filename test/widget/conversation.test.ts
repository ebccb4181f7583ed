// @vitest-environment jsdom
// The conversation controller against a scripted socket: outbox, acks, resume, reconnects.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ServerFrame } from '../../shared/protocol.js';
import { Conversation } from '../../widget/panel/conversation.js';
import { isTyping } from '../../widget/panel/entries.js';
import type { DeputyEvents } from '../../widget/types.js';
import { FakeSocket, fakeToken, testConfig } from './fake-socket.js';

const ALICE = fakeToken({ sub: 'cus_alice', name: 'Alice Martin', exp: 4102444800 });
const CONV = 'conv_abcdefgh1234';

function welcome(over: Partial<Extract<ServerFrame, { type: 'welcome' }>> = {}): ServerFrame {
  return {
    type: 'welcome',
    conversationId: CONV,
    visitor: { name: 'Alice Martin', anonymous: false },
    lastSeq: 0,
    resumed: false,
    ...over,
  };
}
const at = '2026-11-23T10:00:00.000Z';

const live: Conversation[] = [];

/** What GET /ws/preflight answers in these tests (the server's own answer is tested in test/server). */
let preflight: { status: number; body: unknown } = { status: 200, body: { ok: true } };
const preflights: string[] = [];
const fakeFetch = (async (url: string) => {
  preflights.push(url);
  return new Response(JSON.stringify(preflight.body), { status: preflight.status });
}) as unknown as typeof fetch;

function setup(data: Record<string, string> = { visitorToken: ALICE }) {
  const events: { [K in keyof DeputyEvents]?: DeputyEvents[K][] } = {};
  const unread: number[] = [];
  const conv = new Conversation({
    config: testConfig(data),
    emit: (event, payload) => {
      const list = (events[event] ?? []) as unknown[];
      list.push(payload);
      (events as Record<string, unknown[]>)[event] = list;
    },
    setUnread: (n) => unread.push(n),
    WebSocket: FakeSocket as unknown as typeof WebSocket,
    random: () => 1,
    fetch: fakeFetch,
  });
  live.push(conv);
  return {
    conv,
    events,
    unread,
    texts: () => conv.state.entries.map((e) => ('text' in e ? e.text : e.kind)),
  };
}

/** Opens the panel, connects and completes the handshake. */
async function connected(conv: Conversation, frame = welcome()): Promise<FakeSocket> {
  conv.setOpen(true);
  const ws = FakeSocket.last;
  await ws.open();
  ws.receive(frame);
  return ws;
}

beforeEach(() => {
  FakeSocket.all = [];
  localStorage.clear();
});
afterEach(() => {
  for (const conv of live.splice(0)) conv.destroy();
  vi.useRealTimers();
});

describe('handshake', () => {
  it('introduces a new signed-in visitor with site, token and locale, asking for their latest conversation', async () => {
    const { conv } = setup();
    expect(FakeSocket.all).toHaveLength(0); // nothing stored: no socket until the chat is opened
    conv.setOpen(true);
    await FakeSocket.last.open();
    // ?batch=1: several frames of one server turn may come as one message (docs/protocol.md).
    expect(FakeSocket.last.url).toBe('wss://chat.example.com/ws?batch=1');
    // Signed in with nothing stored here: the server continues this visitor's recent conversation
    // from another browser, if there is one (docs/protocol.md, `latest`).
    expect(FakeSocket.last.sent).toEqual([
      { type: 'hello', v: 1, site: 'demo', locale: 'en', token: ALICE, latest: true },
    ]);
  });

  it('emits ready once with the conversation and shows who is signed in', async () => {
    const { conv, events } = setup();
    await connected(conv);
    expect(events.ready).toEqual([
      { conversationId: CONV, visitor: { name: 'Alice Martin', anonymous: false } },
    ]);
    expect(conv.state.visitorName).toBe('Alice Martin');
  });
});

describe('outbox', () => {
  it('keeps a message typed before the socket is up and sends it once after the welcome', async () => {
    const { conv, texts } = setup();
    conv.setOpen(true);
    conv.send('  Where is my order?  ');
    expect(texts()).toEqual(['Where is my order?']);
    const ws = FakeSocket.last;
    await ws.open();
    expect(ws.sentOfType('message')).toHaveLength(0);
    ws.receive(welcome());
    const [sent] = ws.sentOfType('message');
    expect(sent?.text).toBe('Where is my order?');
    expect(sent?.clientId).toMatch(/^[A-Za-z0-9_-]{8,64}$/);
    expect(ws.sentOfType('message')).toHaveLength(1);
  });

  it('drops the message from the stored outbox on ack and shows it once', async () => {
    const { conv, texts, events } = setup();
    const ws = await connected(conv);
    conv.send('Hello');
    const clientId = ws.sentOfType('message')[0]!.clientId;
    ws.receive({ type: 'ack', clientId, seq: 1, id: 'msg_1', duplicate: false });
    ws.receive({ type: 'message', seq: 1, id: 'msg_1', role: 'visitor', text: 'Hello', at, clientId });
    expect(texts()).toEqual(['Hello']);
    expect(conv.state.entries[0]?.kind).toBe('msg');
    expect(events.message).toHaveLength(1);
    const stored = JSON.parse(localStorage.getItem('deputy:v1:demo:cus_alice') ?? '{}');
    expect(stored.outbox).toEqual([]);
    expect(stored.lastSeq).toBe(1);
  });

  it('resends an unacknowledged message after a reconnect with the same client id, exactly once', async () => {
    vi.useFakeTimers();
    const { conv, texts } = setup();
    const ws = await connected(conv);
    conv.send('Refund please');
    const first = ws.sentOfType('message')[0]!;
    ws.serverClose(1006); // lost before the ack
    await vi.advanceTimersByTimeAsync(500);
    const ws2 = FakeSocket.last;
    expect(ws2).not.toBe(ws);
    await ws2.open();
    expect(ws2.sent[0]).toMatchObject({ type: 'hello', conversationId: CONV, lastSeq: 0 });
    ws2.receive(welcome({ resumed: true }));
    expect(ws2.sentOfType('message')).toEqual([first]);
    // The server had stored it after all: a duplicate ack, still one bubble.
    ws2.receive({ type: 'ack', clientId: first.clientId, seq: 1, id: 'msg_1', duplicate: true });
    ws2.receive({
      type: 'message',
      seq: 1,
      id: 'msg_1',
      role: 'visitor',
      text: 'Refund please',
      at,
      clientId: first.clientId,
    });
    expect(texts()).toEqual(['Refund please']);
  });

  it('survives a reload: the unsent message is still queued and is delivered by the next page', async () => {
    const first = setup();
    first.conv.setOpen(true);
    first.conv.send('Sent while offline');
    first.conv.destroy();
    FakeSocket.all = [];
    const { conv, texts } = setup();
    expect(texts()).toEqual(['Sent while offline']);
    const ws = FakeSocket.last; // a stored outbox connects without waiting for the panel to open
    await ws.open();
    ws.receive(welcome());
    expect(ws.sentOfType('message').map((m) => m.text)).toEqual(['Sent while offline']);
    expect(conv.state.entries[0]?.kind).toBe('pending');
  });

  it('waits for the reply before sending the next message, so the server is never busy', async () => {
    const { conv } = setup();
    const ws = await connected(conv);
    conv.send('one');
    conv.send('two');
    expect(ws.sentOfType('message').map((m) => m.text)).toEqual(['one']);
    const c1 = ws.sentOfType('message')[0]!.clientId;
    ws.receive({ type: 'ack', clientId: c1, seq: 1, id: 'm1', duplicate: false });
    expect(ws.sentOfType('message')).toHaveLength(1);
    ws.receive({ type: 'message', seq: 2, id: 'a1', role: 'assistant', text: 'Reply one', at });
    expect(ws.sentOfType('message').map((m) => m.text)).toEqual(['one', 'two']);
  });

  it('marks a refused message as not sent and forgets it; busy is retried later', async () => {
    vi.useFakeTimers();
    const { conv } = setup();
    const ws = await connected(conv);
    conv.send('x'.repeat(10));
    const c1 = ws.sentOfType('message')[0]!.clientId;
    ws.receive({ type: 'error', code: 'busy', message: 'Still working', clientId: c1 });
    await vi.advanceTimersByTimeAsync(3000);
    expect(ws.sentOfType('message').map((m) => m.clientId)).toEqual([c1, c1]);
    ws.receive({
      type: 'error',
      code: 'text_too_long',
      message: 'Messages are limited to 4,000 characters.',
      clientId: c1,
    });
    expect(conv.state.entries[0]).toMatchObject({
      kind: 'pending',
      error: 'Messages are limited to 4,000 characters.',
    });
    expect(JSON.parse(localStorage.getItem('deputy:v1:demo:cus_alice') ?? '{}').outbox).toEqual([]);
  });
});

describe('streaming and resume', () => {
  it('appends deltas to one reply and replaces it with the stored message of the same id', async () => {
    const { conv, events } = setup();
    const ws = await connected(conv);
    ws.receive({ type: 'reply_start', id: 'a1' });
    ws.receive(
      { type: 'delta', id: 'a1', text: 'Ticket T-1001 ' },
      { type: 'delta', id: 'a1', text: 'is open.' },
    );
    expect(conv.state.entries).toEqual([
      { kind: 'stream', key: 's:a1', id: 'a1', text: 'Ticket T-1001 is open.' },
    ]);
    ws.receive({ type: 'message', seq: 3, id: 'a1', role: 'assistant', text: 'Ticket T-1001 is open.', at });
    expect(conv.state.entries).toHaveLength(1);
    expect(conv.state.entries[0]).toMatchObject({ kind: 'msg', key: 'm:a1', text: 'Ticket T-1001 is open.' });
    expect(events.message?.map((m) => m.id)).toEqual(['a1']);
  });

  it('after a reload shows the stored history at once and resumes from lastSeq without duplicates', async () => {
    const first = setup();
    const ws = await connected(first.conv);
    ws.receive(
      { type: 'message', seq: 1, id: 'v1', role: 'visitor', text: 'Hi', at },
      { type: 'message', seq: 2, id: 'a1', role: 'assistant', text: 'Hello Alice', at },
    );
    first.conv.destroy();
    FakeSocket.all = [];

    const { texts } = setup();
    expect(texts()).toEqual(['Hi', 'Hello Alice']);
    const ws2 = FakeSocket.last;
    await ws2.open();
    expect(ws2.sent[0]).toMatchObject({ type: 'hello', conversationId: CONV, lastSeq: 2 });
    ws2.receive(welcome({ resumed: true, lastSeq: 3 }));
    ws2.receive(
      { type: 'message', seq: 2, id: 'a1', role: 'assistant', text: 'Hello Alice', at },
      { type: 'message', seq: 3, id: 'a2', role: 'assistant', text: 'Anything else?', at },
    );
    expect(texts()).toEqual(['Hi', 'Hello Alice', 'Anything else?']);
  });

  it('resumes a half-streamed reply: the resent text replaces the partial one', async () => {
    vi.useFakeTimers();
    const { conv } = setup();
    const ws = await connected(conv);
    ws.receive({ type: 'reply_start', id: 'a1' }, { type: 'delta', id: 'a1', text: 'Your tick' });
    ws.serverClose(1012);
    await vi.advanceTimersByTimeAsync(500);
    const ws2 = FakeSocket.last;
    await ws2.open();
    ws2.receive(welcome({ resumed: true }));
    ws2.receive({ type: 'reply_start', id: 'a1' }, { type: 'delta', id: 'a1', text: 'Your ticket is' });
    ws2.receive({ type: 'delta', id: 'a1', text: ' open.' });
    expect(conv.state.entries).toEqual([
      { kind: 'stream', key: 's:a1', id: 'a1', text: 'Your ticket is open.' },
    ]);
  });

  it('drops the old history when the server starts a new conversation', async () => {
    const first = setup();
    const ws = await connected(first.conv);
    ws.receive({ type: 'message', seq: 1, id: 'a1', role: 'assistant', text: 'Old', at });
    first.conv.destroy();
    const { conv, texts } = setup();
    const ws2 = FakeSocket.last;
    await ws2.open();
    ws2.receive(welcome({ conversationId: 'conv_newnewnew123', resumed: false }));
    expect(texts()).toEqual([]);
    expect(JSON.parse(localStorage.getItem('deputy:v1:demo:cus_alice') ?? '{}').conversationId).toBe(
      'conv_newnewnew123',
    );
    expect(conv.state.conn).toBe('open');
  });
});

describe('reconnecting', () => {
  it('backs off exponentially with jitter and reconnects at once when the browser is back online', async () => {
    vi.useFakeTimers();
    const { conv } = setup();
    await connected(conv);
    FakeSocket.last.serverClose(1006);
    expect(conv.state.conn).toBe('reconnecting');
    await vi.advanceTimersByTimeAsync(499);
    expect(FakeSocket.all).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(FakeSocket.all).toHaveLength(2);
    FakeSocket.last.serverClose(1006); // second failure: 1 s
    await vi.advanceTimersByTimeAsync(999);
    expect(FakeSocket.all).toHaveLength(2);
    window.dispatchEvent(new Event('online'));
    expect(FakeSocket.all).toHaveLength(3);
  });

  it('reconnects at once when the tab becomes visible or the page returns from the bfcache', async () => {
    vi.useFakeTimers();
    const { conv } = setup();
    await connected(conv);
    FakeSocket.last.serverClose(1006);
    await vi.advanceTimersByTimeAsync(500);
    FakeSocket.last.serverClose(1006); // now waiting 1 s
    Object.defineProperty(document, 'visibilityState', { value: 'hidden', configurable: true });
    document.dispatchEvent(new Event('visibilitychange'));
    expect(FakeSocket.all).toHaveLength(2);
    Object.defineProperty(document, 'visibilityState', { value: 'visible', configurable: true });
    document.dispatchEvent(new Event('visibilitychange'));
    expect(FakeSocket.all).toHaveLength(3);
    FakeSocket.last.serverClose(1006);
    window.dispatchEvent(Object.assign(new Event('pageshow'), { persisted: false }));
    expect(FakeSocket.all).toHaveLength(3); // a normal load is not a return from the bfcache
    window.dispatchEvent(Object.assign(new Event('pageshow'), { persisted: true }));
    expect(FakeSocket.all).toHaveLength(4);
  });

  it('does not reconnect after 4401 and shows why, naming the code in the console', async () => {
    vi.useFakeTimers();
    const logged = vi.spyOn(console, 'error').mockImplementation(() => {});
    const { conv, events } = setup();
    const ws = await connected(conv);
    ws.receive({
      type: 'error',
      code: 'token_expired',
      message: 'Your session has expired. Please reload the page.',
    });
    ws.serverClose(4401);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(FakeSocket.all).toHaveLength(1);
    expect(conv.state.fatal).toBe('Your session has expired. Please reload the page.');
    expect(events.error?.map((e) => e.code)).toContain('token_expired');
    expect(logged.mock.calls.map((c) => String(c[0]))).toContainEqual(
      expect.stringMatching(/^\[Deputy\] token_expired: .*The server log says why/),
    );
    logged.mockRestore();
  });

  it("stops after an upgrade refused for this origin, with the server's message and the code (issue #14)", async () => {
    vi.useFakeTimers();
    const { conv, events } = setup({ visitorToken: ALICE, locale: 'es' });
    preflight = {
      status: 403,
      body: { code: 'forbidden_origin', message: 'Esta página no tiene permiso para usar este chat.' },
    };
    try {
      conv.setOpen(true);
      // What a browser reports for an HTTP 403 on the upgrade: close 1006, the socket never open.
      FakeSocket.last.serverClose(1006);
      await vi.advanceTimersByTimeAsync(60_000);
      expect(FakeSocket.all).toHaveLength(1);
      expect(preflights.at(-1)).toBe('https://chat.example.com/ws/preflight?site=demo&locale=es');
      expect(conv.state.conn).toBe('failed');
      expect(conv.state.fatal).toBe('Esta página no tiene permiso para usar este chat.');
      expect(events.error?.map((e) => e.code)).toContain('forbidden_origin');
    } finally {
      preflight = { status: 200, body: { ok: true } };
    }
  });

  it('names an unknown site the same way, and keeps retrying a server that is only draining', async () => {
    vi.useFakeTimers();
    const { conv, events } = setup();
    preflight = { status: 503, body: { code: 'draining', message: 'restarting' } };
    try {
      conv.setOpen(true);
      FakeSocket.last.serverClose(1006);
      await vi.advanceTimersByTimeAsync(2_000);
      expect(FakeSocket.all.length).toBeGreaterThan(1);
      preflight = {
        status: 404,
        body: { code: 'unknown_site', message: 'This site is not configured for Deputy.' },
      };
      FakeSocket.last.serverClose(1006);
      await vi.advanceTimersByTimeAsync(60_000);
      expect(conv.state.conn).toBe('failed');
      expect(events.error?.map((e) => e.code)).toContain('unknown_site');
    } finally {
      preflight = { status: 200, body: { ok: true } };
    }
  });

  it('refreshes an expired token from data-token-url and reconnects once (issue #14)', async () => {
    vi.useFakeTimers();
    const exp = Math.floor(Date.now() / 1000) + 3600;
    const tokens = [fakeToken({ sub: 'cus_alice', exp }), fakeToken({ sub: 'cus_alice', exp: exp + 1 })];
    const realFetch = globalThis.fetch;
    let fetched = 0;
    globalThis.fetch = (async () =>
      new Response(JSON.stringify({ token: tokens[fetched++] ?? tokens[1] }))) as typeof fetch;
    try {
      const { conv } = setup({ tokenUrl: 'https://shop.example.com/deputy-token' });
      conv.setOpen(true);
      await vi.advanceTimersByTimeAsync(10);
      const ws = FakeSocket.last;
      await ws.open();
      expect(ws.sentOfType('hello')[0]?.token).toBe(tokens[0]);
      ws.receive({ type: 'error', code: 'token_expired', message: 'Your session has expired.' });
      ws.serverClose(4401);
      await vi.advanceTimersByTimeAsync(10);
      expect(fetched).toBe(2);
      const again = FakeSocket.last;
      expect(again).not.toBe(ws);
      await again.open();
      expect(again.sentOfType('hello')[0]?.token).toBe(tokens[1]);
      // A second refusal right away is final: no loop of refreshes.
      again.receive({ type: 'error', code: 'token_expired', message: 'Your session has expired.' });
      again.serverClose(4401);
      await vi.advanceTimersByTimeAsync(60_000);
      expect(conv.state.conn).toBe('failed');
      expect(FakeSocket.all.at(-1)).toBe(again);
    } finally {
      globalThis.fetch = realFetch;
    }
  });

  it('does not reconnect after 4403 (site or origin refused)', async () => {
    vi.useFakeTimers();
    const { conv } = setup();
    await connected(conv);
    FakeSocket.last.serverClose(4403);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(FakeSocket.all).toHaveLength(1);
    expect(conv.state.fatal).toMatch(/not allowed/);
  });
});

describe('identity', () => {
  it('keys stored history by the token subject, and a new identity starts a new conversation', async () => {
    const { conv, texts } = setup();
    const ws = await connected(conv);
    ws.receive({ type: 'message', seq: 1, id: 'a1', role: 'assistant', text: 'For Alice', at });
    expect(localStorage.getItem('deputy:v1:demo:cus_alice')).not.toBeNull();
    const bob = fakeToken({ sub: 'cus_bob', exp: 4102444800 });
    conv.identify(bob);
    expect(texts()).toEqual([]);
    expect(localStorage.getItem('deputy:v1:demo:cus_alice')).toBeNull();
    const ws2 = FakeSocket.last;
    expect(ws2).not.toBe(ws);
    await ws2.open();
    expect(ws2.sent[0]).toEqual({
      type: 'hello',
      v: 1,
      site: 'demo',
      locale: 'en',
      token: bob,
      latest: true,
    });
  });

  it("stores a guest's conversation under 'anon'", async () => {
    const { conv } = setup({});
    const ws = await connected(conv, welcome({ visitor: { name: null, anonymous: true } }));
    ws.receive({ type: 'message', seq: 1, id: 'a1', role: 'assistant', text: 'Hi guest', at });
    expect(localStorage.getItem('deputy:v1:demo:anon')).toContain('Hi guest');
  });
});

describe('batches (docs/protocol.md)', () => {
  const turn = (clientId: string): ServerFrame[] => [
    { type: 'ack', clientId, seq: 1, id: 'v1', duplicate: false },
    { type: 'message', seq: 1, id: 'v1', role: 'visitor', text: 'status of T-1001?', at, clientId },
    {
      type: 'tool',
      callId: 'c1',
      name: 'get_ticket_status',
      label: 'Looking up ticket T-1001…',
      status: 'running',
    },
    {
      type: 'tool',
      callId: 'c1',
      name: 'get_ticket_status',
      label: 'Looked up ticket T-1001',
      status: 'done',
    },
    { type: 'reply_start', id: 'a1' },
    { type: 'delta', id: 'a1', text: 'Ticket T-1001 is open.' },
    { type: 'message', seq: 2, id: 'a1', role: 'assistant', text: 'Ticket T-1001 is open.', at },
  ];

  /** A tool-using turn delivered one frame per message, or as the server batches it. */
  async function shownAfter(batched: boolean) {
    localStorage.clear();
    // The visitor's message keeps the time it was typed: the same in both runs.
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date(at));
    const { conv, events, texts } = setup();
    const ws = await connected(conv);
    conv.send('status of T-1001?');
    const frames = turn(ws.sentOfType('message')[0]?.clientId ?? '');
    if (batched) {
      ws.receiveBatch(...frames.slice(0, 2));
      ws.receiveBatch(...frames.slice(2));
    } else {
      ws.receive(...frames);
    }
    return {
      entries: conv.state.entries,
      texts: texts(),
      tools: events.tool_call,
      saved: localStorage.getItem('deputy:v1:demo:cus_alice'),
    };
  }

  it('shows a turn sent as batches exactly as the same frames sent one by one', async () => {
    const one = await shownAfter(false);
    const batched = await shownAfter(true);
    expect(batched).toEqual(one);
    expect(batched.texts).toEqual(['status of T-1001?', 'tool', 'Ticket T-1001 is open.']);
    expect(batched.tools?.map((t) => t.status)).toEqual(['running', 'done']);
  });
});

describe('unread, tools and confirmations', () => {
  it('counts replies that arrive while closed and clears the count on open', async () => {
    const { conv, unread } = setup();
    const ws = await connected(conv);
    conv.setOpen(false);
    ws.receive({ type: 'message', seq: 1, id: 'a1', role: 'assistant', text: 'One', at });
    ws.receive({ type: 'message', seq: 2, id: 'a2', role: 'assistant', text: 'Two', at });
    expect(unread).toEqual([1, 2]);
    conv.setOpen(true);
    expect(unread).toEqual([1, 2, 0]);
  });

  it('shows tool chips above the streaming reply and updates their status', async () => {
    const { conv, events } = setup();
    const ws = await connected(conv);
    ws.receive({ type: 'reply_start', id: 'a1' });
    ws.receive({
      type: 'tool',
      callId: 'c1',
      name: 'get_ticket_status',
      label: 'Looking up ticket T-1001',
      status: 'running',
    });
    ws.receive({
      type: 'tool',
      callId: 'c1',
      name: 'get_ticket_status',
      label: 'Looking up ticket T-1001',
      status: 'done',
    });
    expect(conv.state.entries.map((e) => e.kind)).toEqual(['tool', 'stream']);
    expect(conv.state.entries[0]).toMatchObject({ status: 'done' });
    expect(events.tool_call?.map((t) => t.status)).toEqual(['running', 'done']);
  });

  it('answers a confirm card once, however often it is clicked', async () => {
    const { conv, events } = setup();
    const ws = await connected(conv);
    const expiresAt = new Date(Date.now() + 60_000).toISOString();
    ws.receive({ type: 'reply_start', id: 'a1' });
    expect(isTyping(conv.state.entries)).toBe(true);
    ws.receive({
      type: 'confirm_request',
      confirmId: 'cf_abcdefgh12',
      tool: 'update_phone_number',
      summary: 'Change your phone from •••• 0132 to +44 20 7946 0000?',
      expiresAt,
    });
    expect(isTyping(conv.state.entries)).toBe(false); // waiting for the visitor, not the assistant
    conv.answer('cf_abcdefgh12', true);
    conv.answer('cf_abcdefgh12', true);
    conv.answer('cf_abcdefgh12', false);
    expect(ws.sentOfType('confirm')).toEqual([{ type: 'confirm', confirmId: 'cf_abcdefgh12', accept: true }]);
    ws.receive({ type: 'confirm_result', confirmId: 'cf_abcdefgh12', outcome: 'accepted' });
    expect(conv.state.entries[0]).toMatchObject({ kind: 'confirm', outcome: 'accepted', choice: true });
    expect(isTyping(conv.state.entries)).toBe(true); // the write runs, the reply follows
    expect(events.confirm?.map((c) => c.outcome)).toEqual(['pending', 'accepted']);
  });

  it('sends a new message while a card waits, and shows the card withdrawn when the server says so (issue #14)', async () => {
    const { conv, events } = setup();
    const ws = await connected(conv);
    conv.send('change my phone to +44 20 7946 0000');
    const first = ws.sentOfType('message')[0]!;
    ws.receive({ type: 'ack', clientId: first.clientId, seq: 1, id: 'v1', duplicate: false });
    ws.receive({
      type: 'confirm_request',
      confirmId: 'cf_abcdefgh12',
      tool: 'update_phone_number',
      summary: 'Change?',
      expiresAt: new Date(Date.now() + 60_000).toISOString(),
    });
    conv.send("what's the status of T-1001?");
    // Not held behind the card: the visitor does not have to click first.
    expect(ws.sentOfType('message')).toHaveLength(2);
    ws.receive({ type: 'confirm_result', confirmId: 'cf_abcdefgh12', outcome: 'withdrawn' });
    expect(conv.state.entries.find((e) => e.kind === 'confirm')).toMatchObject({ outcome: 'withdrawn' });
    conv.answer('cf_abcdefgh12', true);
    expect(ws.sentOfType('confirm')).toEqual([]);
    expect(events.confirm?.map((c) => c.outcome)).toEqual(['pending', 'withdrawn']);
  });

  it('withdraws a card the server no longer has after a restart, and keeps the one it re-sends', async () => {
    vi.useFakeTimers();
    const { conv } = setup();
    const ws = await connected(conv);
    const card = (confirmId: string): ServerFrame => ({
      type: 'confirm_request',
      confirmId,
      tool: 'update_phone_number',
      summary: 'Change?',
      expiresAt: new Date(Date.now() + 60_000).toISOString(),
    });
    ws.receive(card('cf_stale_card_1'), card('cf_live_card_1'));
    ws.serverClose(1012);
    await vi.advanceTimersByTimeAsync(1_000);
    const ws2 = FakeSocket.last;
    await ws2.open();
    ws2.receive(welcome({ resumed: true, pendingConfirms: ['cf_live_card_1'] }));
    const outcomes = conv.state.entries.flatMap((e) =>
      e.kind === 'confirm' ? [[e.confirmId, e.outcome]] : [],
    );
    expect(outcomes).toEqual([
      ['cf_stale_card_1', 'withdrawn'],
      ['cf_live_card_1', 'pending'],
    ]);
  });

  it('drops the draft of a reply that never finished when the next reply starts', async () => {
    const { conv } = setup();
    const ws = await connected(conv);
    ws.receive({ type: 'reply_start', id: 'a1' }, { type: 'delta', id: 'a1', text: 'Sure, let me' });
    ws.receive(
      { type: 'reply_start', id: 'a2' },
      { type: 'delta', id: 'a2', text: 'Ticket T-1001 is open.' },
    );
    expect(conv.state.entries.filter((e) => e.kind === 'stream').map((e) => e.id)).toEqual(['a2']);
  });

  it('expires an unanswered confirm card at its deadline', async () => {
    vi.useFakeTimers();
    const { conv } = setup();
    const ws = await connected(conv);
    ws.receive({
      type: 'confirm_request',
      confirmId: 'cf_abcdefgh12',
      tool: 'update_phone_number',
      summary: 'Change?',
      expiresAt: new Date(Date.now() + 5_000).toISOString(),
    });
    await vi.advanceTimersByTimeAsync(5_001);
    expect(conv.state.entries[0]).toMatchObject({ outcome: 'expired' });
    conv.answer('cf_abcdefgh12', true);
    expect(ws.sentOfType('confirm')).toEqual([]);
  });
});

describe('waiting when the server asks (rate limits, budgets, restarts)', () => {
  it('holds a rate-limited message for retryAfterMs with a polite note, then sends it again once', async () => {
    vi.useFakeTimers();
    const { conv } = setup();
    const ws = await connected(conv);
    conv.send('Where is my order?');
    const c1 = ws.sentOfType('message')[0]!.clientId;
    ws.receive({
      type: 'error',
      code: 'rate_limited',
      message: 'You are sending messages too quickly. Please wait a moment.',
      clientId: c1,
      retryAfterMs: 4_000,
    });
    expect(conv.state.entries).toMatchObject([{ kind: 'pending', clientId: c1, error: null, waiting: true }]);
    expect(conv.state.entries.some((e) => e.kind === 'notice')).toBe(false);
    // An unrelated reply would normally let the queue move on; the hold still wins.
    ws.receive({ type: 'message', seq: 1, id: 'a0', role: 'assistant', text: 'Earlier answer', at });
    await vi.advanceTimersByTimeAsync(3_999);
    expect(ws.sentOfType('message')).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(ws.sentOfType('message').map((m) => m.clientId)).toEqual([c1, c1]);
    expect(conv.state.entries.at(-1)).toMatchObject({ kind: 'pending', waiting: false, error: null });
    const stored = JSON.parse(localStorage.getItem('deputy:v1:demo:cus_alice') ?? '{}');
    expect(stored.outbox.map((o: { clientId: string }) => o.clientId)).toEqual([c1]);
  });

  it('keeps a message over the model budget across a reconnect and sends it after retryAfterMs', async () => {
    vi.useFakeTimers();
    const { conv } = setup();
    const ws = await connected(conv);
    conv.send('Open a ticket');
    const c1 = ws.sentOfType('message')[0]!.clientId;
    ws.receive({
      type: 'error',
      code: 'model_budget',
      message: 'You have asked a lot in a short time. Please wait a minute and ask again.',
      clientId: c1,
      retryAfterMs: 60_000,
    });
    expect(conv.state.entries[0]).toMatchObject({ waiting: true, error: null });
    ws.serverClose(1006);
    await vi.advanceTimersByTimeAsync(500);
    const ws2 = FakeSocket.last;
    await ws2.open();
    ws2.receive(welcome({ resumed: true }));
    expect(ws2.sentOfType('message')).toEqual([]); // the budget is the server's, not the socket's
    await vi.advanceTimersByTimeAsync(59_500);
    expect(ws2.sentOfType('message').map((m) => m.clientId)).toEqual([c1]);
  });

  it('never retries faster than half a second, whatever retryAfterMs says', async () => {
    vi.useFakeTimers();
    const { conv } = setup();
    const ws = await connected(conv);
    conv.send('Hello');
    const c1 = ws.sentOfType('message')[0]!.clientId;
    ws.receive({ type: 'error', code: 'rate_limited', message: 'Slow down', clientId: c1, retryAfterMs: 0 });
    await vi.advanceTimersByTimeAsync(499);
    expect(ws.sentOfType('message')).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(ws.sentOfType('message')).toHaveLength(2);
  });

  it('keeps a message refused as shutting_down and sends it once to the restarted server', async () => {
    vi.useFakeTimers();
    const { conv } = setup();
    const ws = await connected(conv);
    conv.send('Still there?');
    const c1 = ws.sentOfType('message')[0]!.clientId;
    ws.receive({
      type: 'error',
      code: 'shutting_down',
      message: 'The server is restarting; reconnecting.',
      clientId: c1,
    });
    await vi.advanceTimersByTimeAsync(10_000);
    expect(ws.sentOfType('message')).toHaveLength(1); // not to the server that is going away
    expect(conv.state.entries[0]).toMatchObject({ kind: 'pending', error: null, waiting: false });
    ws.serverClose(1012);
    expect(conv.state.conn).toBe('reconnecting');
    await vi.advanceTimersByTimeAsync(500);
    const ws2 = FakeSocket.last;
    await ws2.open();
    ws2.receive(welcome({ resumed: true }));
    expect(ws2.sentOfType('message').map((m) => m.clientId)).toEqual([c1]);
  });

  it('says so politely when the budget runs out mid-turn, and lets the next message go', async () => {
    const { conv } = setup();
    const ws = await connected(conv);
    conv.send('one');
    conv.send('two');
    const c1 = ws.sentOfType('message')[0]!.clientId;
    ws.receive({ type: 'ack', clientId: c1, seq: 1, id: 'm1', duplicate: false });
    ws.receive({
      type: 'error',
      code: 'model_budget',
      message: 'You have asked a lot in a short time. Please wait a minute and ask again.',
      ref: 'ab12cd34',
      retryAfterMs: 60_000,
    });
    const notice = conv.state.entries.find((e) => e.kind === 'notice');
    expect(notice).toMatchObject({
      text: 'You have asked a lot in a short time. Please wait a minute and ask again.',
    });
    expect(ws.sentOfType('message').map((m) => m.text)).toEqual(['one', 'two']);
  });
});

describe('reconnect backoff', () => {
  it('resumes after 1013 (slow reader) but backs off when cut off again and again, never a tight loop', async () => {
    vi.useFakeTimers();
    const { conv } = setup();
    await connected(conv, welcome({ lastSeq: 3 }));
    FakeSocket.last.receive({ type: 'message', seq: 3, id: 'a3', role: 'assistant', text: 'Three', at });
    FakeSocket.last.serverClose(1013);
    // Each new socket is welcomed, then cut off at once: the delay must still grow.
    for (let i = 0; i < 60; i++) {
      const before = FakeSocket.all.length;
      await vi.advanceTimersByTimeAsync(1_000);
      if (FakeSocket.all.length === before) continue;
      const ws = FakeSocket.last;
      await ws.open();
      expect(ws.sent[0]).toMatchObject({ type: 'hello', conversationId: CONV, lastSeq: 3 });
      ws.receive(welcome({ lastSeq: 3, resumed: true }));
      ws.serverClose(1013);
    }
    // 60 s at 0.5, 1, 2, 4, 8, 16, 30 s (random() = 1): six reconnects, not a hundred.
    expect(FakeSocket.all.length).toBeGreaterThanOrEqual(6);
    expect(FakeSocket.all.length).toBeLessThanOrEqual(8);
    expect(conv.state.conn).toBe('reconnecting');
  });

  it('keeps trying with growing delays while upgrades are refused (503 from a draining server)', async () => {
    vi.useFakeTimers();
    const { conv } = setup();
    await connected(conv);
    FakeSocket.last.serverClose(1012);
    const opened: number[] = [];
    const start = Date.now();
    for (let i = 0; i < 120; i++) {
      const before = FakeSocket.all.length;
      await vi.advanceTimersByTimeAsync(500);
      if (FakeSocket.all.length === before) continue;
      opened.push(Date.now() - start);
      // What a browser reports for an HTTP 503 on the upgrade: an error, then close 1006.
      FakeSocket.last.onerror?.({});
      FakeSocket.last.serverClose(1006);
    }
    const gaps = opened.map((t, i) => t - (opened[i - 1] ?? 0));
    expect(gaps.slice(0, 6)).toEqual([500, 1_000, 2_000, 4_000, 8_000, 16_000]);
    expect(opened.length).toBeLessThanOrEqual(7);
    // The server is back: the next attempt is welcomed and the chat is usable again.
    await vi.advanceTimersByTimeAsync(30_000);
    const ws = FakeSocket.last;
    await ws.open();
    ws.receive(welcome({ resumed: true }));
    expect(conv.state.conn).toBe('open');
  });

  it('comes back quickly after 1012 on a connection that had been up a while', async () => {
    vi.useFakeTimers();
    const { conv } = setup();
    await connected(conv);
    for (let i = 0; i < 3; i++) {
      FakeSocket.last.serverClose(1006); // three failures first: the backoff is at 4 s
      await vi.advanceTimersByTimeAsync(4_000);
    }
    const ws = FakeSocket.last;
    await ws.open();
    ws.receive(welcome({ resumed: true }));
    await vi.advanceTimersByTimeAsync(60_000); // healthy for a minute
    const count = FakeSocket.all.length;
    ws.serverClose(1012);
    await vi.advanceTimersByTimeAsync(500);
    expect(FakeSocket.all).toHaveLength(count + 1);
  });
});

describe('confirm cards after a resume', () => {
  const card = (expiresInMs = 60_000): ServerFrame => ({
    type: 'confirm_request',
    confirmId: 'cf_abcdefgh12',
    tool: 'update_phone_number',
    summary: 'Change your phone from •••• 0132 to +44 20 7946 0000?',
    expiresAt: new Date(Date.now() + expiresInMs).toISOString(),
  });
  const cards = (conv: Conversation) => conv.state.entries.filter((e) => e.kind === 'confirm');

  it('shows a card re-sent after a reload once, and Confirm answers it', async () => {
    const first = setup();
    const ws1 = await connected(first.conv);
    ws1.receive({ type: 'message', seq: 1, id: 'm1', role: 'visitor', text: 'change my phone', at });
    ws1.receive(card());
    first.conv.destroy(); // reload before clicking
    FakeSocket.all = [];

    const { conv, events } = setup();
    const ws = FakeSocket.last;
    await ws.open();
    ws.receive(welcome({ lastSeq: 1, resumed: true }));
    ws.receive(card()); // the server re-sends every pending card after the replay
    ws.receive(card()); // and again after another resume: still one card
    expect(cards(conv)).toHaveLength(1);
    expect(conv.state.entries.map((e) => e.kind)).toEqual(['msg', 'confirm']);
    expect(events.confirm).toHaveLength(1);
    conv.answer('cf_abcdefgh12', true);
    expect(ws.sentOfType('confirm')).toEqual([{ type: 'confirm', confirmId: 'cf_abcdefgh12', accept: true }]);
    ws.receive({ type: 'confirm_result', confirmId: 'cf_abcdefgh12', outcome: 'accepted' });
    expect(cards(conv)[0]).toMatchObject({ outcome: 'accepted', choice: true });
  });

  it('keeps a settled card settled when a late copy of its request arrives', async () => {
    const { conv } = setup();
    const ws = await connected(conv);
    ws.receive(card());
    ws.receive({ type: 'confirm_result', confirmId: 'cf_abcdefgh12', outcome: 'declined' });
    ws.receive(card());
    expect(cards(conv)).toEqual([expect.objectContaining({ outcome: 'declined' })]);
    conv.answer('cf_abcdefgh12', true);
    expect(ws.sentOfType('confirm')).toEqual([]);
  });

  it('sends a click again if the socket dropped before the server answered it', async () => {
    vi.useFakeTimers();
    const { conv } = setup();
    const ws = await connected(conv);
    ws.receive(card());
    conv.answer('cf_abcdefgh12', true);
    ws.serverClose(1006); // the click may not have arrived
    await vi.advanceTimersByTimeAsync(500);
    const ws2 = FakeSocket.last;
    await ws2.open();
    ws2.receive(welcome({ resumed: true }));
    ws2.receive(card()); // still pending on the server: the click was lost
    expect(ws2.sentOfType('confirm')).toEqual([
      { type: 'confirm', confirmId: 'cf_abcdefgh12', accept: true },
    ]);
    expect(cards(conv)).toHaveLength(1);
  });
});
