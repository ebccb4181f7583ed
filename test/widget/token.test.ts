// @vitest-environment jsdom
// data-token-url: the widget fetches the visitor token from the host site and refreshes it before expiry.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Conversation } from '../../widget/panel/conversation.js';
import { decodeClaims, subjectOf, TokenSource } from '../../widget/panel/token.js';
import { FakeSocket, fakeToken, testConfig } from './fake-socket.js';

const NOW = Date.parse('2026-11-23T10:00:00Z');
const tokenFor = (sub: string, ttlSeconds: number) => fakeToken({ sub, exp: NOW / 1000 + ttlSeconds });

beforeEach(() => {
  vi.useFakeTimers({ now: NOW });
  FakeSocket.all = [];
  localStorage.clear();
});
afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllGlobals();
});

describe('reading tokens', () => {
  it('decodes sub and exp without verifying, and treats guests as anon', () => {
    const t = fakeToken({ sub: 'cus_ünïcode', exp: 123 });
    expect(decodeClaims(t)).toEqual({ sub: 'cus_ünïcode', exp: 123 });
    expect(subjectOf(t)).toBe('cus_ünïcode');
    expect(subjectOf(null)).toBe('anon');
    expect(subjectOf('garbage')).toBe('anon');
  });
});

describe('data-token-url', () => {
  it('fetches with the host cookies, accepts JSON or text, and refreshes a minute before exp', async () => {
    const first = tokenFor('cus_alice', 3600);
    const second = tokenFor('cus_alice', 7200);
    const fetchMock = vi
      .fn()
      .mockResolvedValueOnce(
        new Response(JSON.stringify({ token: first }), { headers: { 'content-type': 'application/json' } }),
      )
      .mockResolvedValueOnce(new Response(second));
    vi.stubGlobal('fetch', fetchMock);
    const refreshed: (string | null)[] = [];
    const source = new TokenSource({ token: null, tokenUrl: 'https://shop.example.com/deputy-token' }, (t) =>
      refreshed.push(t),
    );
    expect(await source.get()).toBe(first);
    expect(fetchMock).toHaveBeenCalledWith('https://shop.example.com/deputy-token', {
      credentials: 'include',
      headers: { accept: 'application/json' },
    });
    await vi.advanceTimersByTimeAsync(3600_000 - 61_000);
    expect(fetchMock).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(2_000);
    expect(fetchMock).toHaveBeenCalledTimes(2);
    expect(await source.get()).toBe(second);
    expect(refreshed).toEqual([first, second]);
    source.stop();
  });

  it('reports a broken token endpoint once with the fix and retries later', async () => {
    const errors = vi.spyOn(console, 'error').mockImplementation(() => {});
    const fetchMock = vi.fn().mockResolvedValue(new Response('nope', { status: 500 }));
    vi.stubGlobal('fetch', fetchMock);
    const source = new TokenSource({ token: null, tokenUrl: 'https://shop.example.com/t' }, () => {});
    expect(await source.get()).toBeNull();
    expect(errors.mock.calls[0]?.[0]).toMatch(/^\[Deputy\] data-token-url .* must answer \{"token":"…"\}/);
    await vi.advanceTimersByTimeAsync(30_000);
    expect(fetchMock).toHaveBeenCalledTimes(2);
    source.stop();
    errors.mockRestore();
  });

  it('re-introduces the open socket with the refreshed token, keeping the conversation', async () => {
    const first = tokenFor('cus_alice', 120);
    const second = tokenFor('cus_alice', 3600);
    vi.stubGlobal(
      'fetch',
      vi.fn().mockResolvedValueOnce(new Response(first)).mockResolvedValueOnce(new Response(second)),
    );
    const conv = new Conversation({
      config: testConfig({ tokenUrl: 'https://shop.example.com/t' }),
      emit: () => {},
      setUnread: () => {},
      WebSocket: FakeSocket as unknown as typeof WebSocket,
    });
    conv.setOpen(true);
    await FakeSocket.last.open();
    await vi.waitFor(() => expect(FakeSocket.last.sent[0]).toMatchObject({ type: 'hello', token: first }));
    FakeSocket.last.receive({
      type: 'welcome',
      conversationId: 'conv_abcdefgh1234',
      visitor: { name: null, anonymous: false },
      lastSeq: 0,
      resumed: false,
    });
    await vi.advanceTimersByTimeAsync(60_000); // exp - 60 s
    expect(FakeSocket.all).toHaveLength(2);
    await FakeSocket.last.open();
    await vi.waitFor(() =>
      expect(FakeSocket.last.sent[0]).toMatchObject({ token: second, conversationId: 'conv_abcdefgh1234' }),
    );
    expect(conv.state.conn).not.toBe('reconnecting'); // a planned switch, not shown as a reconnect
    conv.destroy();
  });

  it("restores the fetched visitor's stored conversation and resumes it", async () => {
    const at = '2026-11-23T09:00:00.000Z';
    localStorage.setItem(
      'deputy:v1:demo:cus_alice',
      JSON.stringify({
        conversationId: 'conv_abcdefgh1234',
        lastSeq: 2,
        messages: [{ seq: 2, id: 'a1', role: 'assistant', text: 'Earlier answer', at }],
        outbox: [],
      }),
    );
    vi.stubGlobal('fetch', vi.fn().mockResolvedValue(new Response(tokenFor('cus_alice', 3600))));
    const conv = new Conversation({
      config: testConfig({ tokenUrl: 'https://shop.example.com/t' }),
      emit: () => {},
      setUnread: () => {},
      WebSocket: FakeSocket as unknown as typeof WebSocket,
    });
    expect(conv.state.entries).toEqual([]); // not the guest's history while the token is on its way
    await vi.waitFor(() =>
      expect(conv.state.entries.map((e) => 'text' in e && e.text)).toEqual(['Earlier answer']),
    );
    await FakeSocket.last.open();
    await vi.waitFor(() =>
      expect(FakeSocket.last.sent[0]).toMatchObject({ conversationId: 'conv_abcdefgh1234', lastSeq: 2 }),
    );
    conv.destroy();
  });
});
