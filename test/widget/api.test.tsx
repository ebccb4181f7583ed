// @vitest-environment jsdom
// The page-facing side: the loader's script-tag handling, window.Deputy, events, keyboard and badge.
import { fireEvent, waitFor, within } from '@testing-library/preact';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createWidget, type WidgetInstance } from '../../widget/create-widget.js';
import css from '../../widget/panel/panel.css?inline';
import type { DeputyEvents } from '../../widget/types.js';
import { FakeSocket, fakeToken, testConfig, tick } from './fake-socket.js';

const ALICE = fakeToken({ sub: 'cus_alice', name: 'Alice Martin', exp: 4102444800 });

let widgets: WidgetInstance[] = [];
function make(data: Record<string, string> = { visitorToken: ALICE }): WidgetInstance {
  const w = createWidget(testConfig(data), async () => ({
    mount: (await import('../../widget/panel/index.js')).mount,
    css,
  }));
  widgets.push(w);
  return w;
}
const ui = (w: WidgetInstance) => within(w.root as unknown as HTMLElement);

beforeEach(() => {
  FakeSocket.all = [];
  localStorage.clear();
  vi.stubGlobal('WebSocket', FakeSocket);
  vi.stubGlobal('matchMedia', (q: string) => ({
    matches: false,
    media: q,
    addEventListener() {},
    removeEventListener() {},
  }));
});
afterEach(() => {
  for (const w of widgets) w.destroy();
  widgets = [];
  vi.unstubAllGlobals();
  document.body.replaceChildren();
  delete (window as { Deputy?: unknown }).Deputy;
});

describe('launcher and panel', () => {
  it('draws only the launcher until opened, then the panel with its contract names', async () => {
    const w = make();
    expect(document.body.children).toHaveLength(1); // one host element; the page is otherwise untouched
    const launcher = ui(w).getByRole('button', { name: 'Open chat' });
    expect(launcher.getAttribute('aria-expanded')).toBe('false');
    expect(ui(w).queryByRole('log')).toBeNull();
    fireEvent.click(launcher);
    await waitFor(() => ui(w).getByRole('log'));
    expect(ui(w).getByRole('log').getAttribute('aria-live')).toBe('polite');
    expect(ui(w).getByRole('textbox', { name: 'Message' })).toBeTruthy();
    expect(ui(w).getByRole('button', { name: 'Send' })).toBeTruthy();
    expect(launcher.getAttribute('aria-expanded')).toBe('true');
    expect(ui(w).getByText('Hi! How can we help you today?')).toBeTruthy();
  });

  it('uses data-title and data-greeting, and the locale for everything else', async () => {
    const w = make({ title: 'Northwind help', greeting: '¿Qué tal?', locale: 'es' });
    fireEvent.click(ui(w).getByRole('button', { name: 'Abrir chat' }));
    await waitFor(() => ui(w).getByRole('heading', { name: 'Northwind help' }));
    expect(ui(w).getByText('¿Qué tal?')).toBeTruthy();
    expect(ui(w).getByRole('textbox', { name: 'Mensaje' })).toBeTruthy();
  });

  it('greets a signed-in visitor by first name in their locale; data-greeting still wins', async () => {
    const welcomeAs = async (name: string | null) => {
      await waitFor(() => expect(FakeSocket.all.length).toBeGreaterThan(0));
      await FakeSocket.last.open();
      FakeSocket.last.receive({
        type: 'welcome',
        conversationId: 'conv_abcdefgh1234',
        visitor: { name, anonymous: name === null },
        lastSeq: 0,
        resumed: false,
      });
    };
    const greeting = (w: WidgetInstance) => w.root.querySelector('.greeting .bubble');
    const en = make();
    en.open();
    await welcomeAs('Alice Martin');
    await waitFor(() => expect(greeting(en)?.textContent).toBe('Hi Alice! How can we help you today?'));
    expect(greeting(en)?.querySelector('bdi')?.textContent).toBe('Alice'); // isolated for bidi
    en.destroy();
    localStorage.clear();
    FakeSocket.all = [];

    const ar = make({ visitorToken: ALICE, locale: 'ar' });
    ar.open();
    await welcomeAs('Alice Martin');
    await waitFor(() => expect(greeting(ar)?.textContent).toBe('مرحبًا Alice! كيف يمكننا مساعدتك اليوم؟'));
    ar.destroy();
    localStorage.clear();
    FakeSocket.all = [];

    const guest = make({});
    guest.open();
    await welcomeAs(null);
    await waitFor(() => expect(ui(guest).queryByText('Signed in as')).toBeNull());
    await waitFor(() => expect(FakeSocket.last.sent).toHaveLength(1));
    expect(greeting(guest)?.textContent).toBe('Hi! How can we help you today?');
    guest.destroy();
    localStorage.clear();
    FakeSocket.all = [];

    const custom = make({ visitorToken: ALICE, greeting: 'Welcome to Northwind!' });
    custom.open();
    await welcomeAs('Alice Martin');
    await waitFor(() => ui(custom).getByText('Signed in as'));
    expect(ui(custom).getByText('Welcome to Northwind!')).toBeTruthy();
    expect(ui(custom).queryByText(/Hi Alice/)).toBeNull();
  });

  it('puts Arabic right to left', async () => {
    const w = make({ locale: 'ar' });
    w.open();
    await waitFor(() => ui(w).getByRole('dialog'));
    expect(ui(w).getByRole('dialog').getAttribute('dir')).toBe('rtl');
  });

  it('Enter sends, Shift+Enter does not, Esc closes and gives focus back to the launcher', async () => {
    const w = make();
    w.open();
    const input = await waitFor(() => ui(w).getByRole('textbox', { name: 'Message' }) as HTMLTextAreaElement);
    await FakeSocket.last.open();
    FakeSocket.last.receive({
      type: 'welcome',
      conversationId: 'conv_abcdefgh1234',
      visitor: { name: 'Alice Martin', anonymous: false },
      lastSeq: 0,
      resumed: false,
    });
    input.value = 'line one';
    fireEvent.keyDown(input, { key: 'Enter', shiftKey: true });
    expect(FakeSocket.last.sentOfType('message')).toHaveLength(0);
    fireEvent.keyDown(input, { key: 'Enter' });
    expect(FakeSocket.last.sentOfType('message').map((m) => m.text)).toEqual(['line one']);
    expect(input.value).toBe('');
    await waitFor(() => ui(w).getByText('line one'));
    fireEvent.keyDown(input, { key: 'Escape' });
    expect(ui(w).getByRole('button', { name: 'Open chat' }).getAttribute('aria-expanded')).toBe('false');
    expect(w.root.activeElement).toBe(ui(w).getByRole('button', { name: 'Open chat' }));
  });

  it('shows an unread badge while closed without changing the launcher name', async () => {
    const w = make();
    const counts: number[] = [];
    w.on('unread', ({ count }) => counts.push(count));
    w.open();
    await waitFor(() => ui(w).getByRole('log'));
    await FakeSocket.last.open();
    FakeSocket.last.receive({
      type: 'welcome',
      conversationId: 'conv_abcdefgh1234',
      visitor: { name: null, anonymous: true },
      lastSeq: 0,
      resumed: false,
    });
    w.close();
    FakeSocket.last.receive({
      type: 'message',
      seq: 1,
      id: 'a1',
      role: 'assistant',
      text: 'Update!',
      at: new Date().toISOString(),
    });
    const launcher = ui(w).getByRole('button', { name: 'Open chat' });
    expect(launcher.querySelector('.badge')?.textContent).toBe('1');
    expect(launcher.getAttribute('aria-description')).toBe('1 unread');
    w.open();
    expect((launcher.querySelector('.badge') as HTMLElement).hidden).toBe(true);
    expect(counts).toEqual([1, 0]);
  });
});

describe('screen readers and theming', () => {
  it('hides a streaming reply from assistive tech and adds the finished message once', async () => {
    const w = make();
    w.open();
    await waitFor(() => ui(w).getByRole('log'));
    await FakeSocket.last.open();
    FakeSocket.last.receive(
      {
        type: 'welcome',
        conversationId: 'conv_abcdefgh1234',
        visitor: { name: null, anonymous: true },
        lastSeq: 0,
        resumed: false,
      },
      { type: 'reply_start', id: 'a1' },
      { type: 'delta', id: 'a1', text: 'Half a sen' },
    );
    const streaming = await waitFor(() => {
      const el = w.root.querySelector('.streaming') as HTMLElement;
      expect(el.textContent).toBe('Half a sen');
      return el;
    });
    expect(streaming.getAttribute('aria-hidden')).toBe('true');
    FakeSocket.last.receive({
      type: 'message',
      seq: 1,
      id: 'a1',
      role: 'assistant',
      text: 'Half a sentence.',
      at: new Date().toISOString(),
    });
    await waitFor(() => expect(w.root.querySelector('.streaming')).toBeNull());
    const done = ui(w).getByText('Half a sentence.').closest('.row') as HTMLElement;
    expect(done.closest('[aria-hidden]')).toBeNull();
    expect(done).not.toBe(streaming); // a new node, so the live region announces it whole
  });

  it('themes through custom properties on :host only, with readable text on a light accent', () => {
    const w = make({ accent: '#ffd400', position: 'left', zIndex: '42', theme: 'dark' });
    const host = document.querySelector('deputy-chat') as HTMLElement;
    expect(host.dataset).toMatchObject({ theme: 'dark', position: 'left' });
    const css = [...w.root.querySelectorAll('style')].map((s) => s.textContent).join('\n');
    expect(css).toContain(':host{--deputy-accent:#ffd400;--deputy-on-accent:#111}');
    expect(css).toContain(':host{--deputy-z:42}');
    expect(document.head.querySelector('style')).toBeNull(); // nothing in the host page's styles
  });
});

describe('data-open', () => {
  it('opens the panel on load', async () => {
    const w = make({ open: 'true' });
    await waitFor(() => ui(w).getByRole('log'));
    expect(ui(w).getByRole('button', { name: 'Open chat' }).getAttribute('aria-expanded')).toBe('true');
  });
});

describe('API events', () => {
  it('emits open and close, and on() returns an unsubscribe', () => {
    const w = make();
    const seen: string[] = [];
    const off = w.on('open', () => seen.push('open'));
    w.on('close', () => seen.push('close'));
    w.open();
    w.open(); // already open: no second event
    w.toggle();
    off();
    w.open();
    expect(seen).toEqual(['open', 'close']);
  });

  it('replays ready to a late listener and isolates a throwing listener', async () => {
    const w = make();
    const errors = vi.spyOn(console, 'error').mockImplementation(() => {});
    const got: DeputyEvents['message'][] = [];
    w.on('message', () => {
      throw new Error('host bug');
    });
    w.on('message', (m) => got.push(m));
    w.open();
    await waitFor(() => expect(FakeSocket.all).toHaveLength(1));
    await FakeSocket.last.open();
    FakeSocket.last.receive({
      type: 'welcome',
      conversationId: 'conv_abcdefgh1234',
      visitor: { name: 'Alice Martin', anonymous: false },
      lastSeq: 0,
      resumed: false,
    });
    FakeSocket.last.receive({
      type: 'message',
      seq: 1,
      id: 'a1',
      role: 'assistant',
      text: 'Hi',
      at: new Date().toISOString(),
    });
    expect(got.map((m) => m.text)).toEqual(['Hi']);
    expect(errors.mock.calls[0]?.[0]).toMatch(/^\[Deputy\]/);
    const ready: unknown[] = [];
    w.on('ready', (r) => ready.push(r));
    expect(ready).toEqual([
      { conversationId: 'conv_abcdefgh1234', visitor: { name: 'Alice Martin', anonymous: false } },
    ]);
    errors.mockRestore();
  });

  it('identify() before the panel loads starts the new identity from a clean slate', async () => {
    localStorage.setItem('deputy:v1:demo:cus_alice', '{"conversationId":"conv_abcdefgh1234","lastSeq":3}');
    const w = make();
    const bob = fakeToken({ sub: 'cus_bob', exp: 4102444800 });
    w.identify(bob);
    expect(localStorage.getItem('deputy:v1:demo:cus_alice')).toBeNull();
    w.open();
    await waitFor(() => expect(FakeSocket.all.length).toBeGreaterThan(0));
    await FakeSocket.last.open();
    expect(FakeSocket.last.sent[0]).toEqual({
      type: 'hello',
      v: 1,
      site: 'demo',
      locale: 'en',
      token: bob,
      latest: true,
    });
  });

  it('refuses identify() with something that is not a token and keeps the identity', () => {
    const w = make();
    const errors = vi.spyOn(console, 'error').mockImplementation(() => {});
    w.identify('Bob' as string);
    expect(errors).toHaveBeenCalledOnce();
    errors.mockRestore();
  });

  it('shutdown() removes the widget and forgets the conversation', async () => {
    localStorage.setItem('deputy:v1:demo:cus_alice', '{"conversationId":"conv_abcdefgh1234","lastSeq":3}');
    localStorage.setItem('host-app', 'keep me');
    const w = make();
    w.shutdown();
    expect(document.querySelector('deputy-chat')).toBeNull();
    expect(localStorage.getItem('deputy:v1:demo:cus_alice')).toBeNull();
    expect(localStorage.getItem('host-app')).toBe('keep me');
  });
});

describe('the script tag (widget/loader.ts)', () => {
  async function runLoader(data: Record<string, string>): Promise<void> {
    const script = document.createElement('script');
    script.src = 'https://chat.example.com/widget.js';
    for (const [k, v] of Object.entries(data)) script.dataset[k] = v;
    document.body.append(script);
    Object.defineProperty(document, 'currentScript', { value: script, configurable: true });
    vi.stubGlobal('__DEPUTY_PANEL__', 'panel.js');
    vi.stubGlobal('__DEPUTY_STYLES__', 'styles.js');
    vi.resetModules();
    await import('../../widget/loader.js');
    await tick();
  }
  afterEach(() => {
    const api = (window as { Deputy?: { shutdown(): void } }).Deputy;
    api?.shutdown();
  });

  it('exposes window.Deputy with exactly the documented methods', async () => {
    await runLoader({ site: 'demo' });
    const api = (window as { Deputy?: object }).Deputy;
    expect(Object.keys(api ?? {}).sort()).toEqual(['close', 'identify', 'on', 'open', 'shutdown', 'toggle']);
    expect(document.querySelectorAll('deputy-chat')).toHaveLength(1);
  });

  it('invalid config: one [Deputy] message naming the fix, and the page untouched', async () => {
    const errors = vi.spyOn(console, 'error').mockImplementation(() => {});
    await runLoader({ site: 'demo', position: 'middle' });
    expect(errors).toHaveBeenCalledOnce();
    expect(errors.mock.calls[0]?.[0]).toMatch(/^\[Deputy\] .*data-position must be "right" or "left"/);
    expect(document.querySelector('deputy-chat')).toBeNull();
    expect((window as { Deputy?: unknown }).Deputy).toBeUndefined();
    errors.mockRestore();
  });

  it('a second script tag is a no-op', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    await runLoader({ site: 'demo' });
    const first = (window as { Deputy?: unknown }).Deputy;
    await runLoader({ site: 'demo' });
    expect((window as { Deputy?: unknown }).Deputy).toBe(first);
    expect(document.querySelectorAll('deputy-chat')).toHaveLength(1);
    expect(warn.mock.calls[0]?.[0]).toMatch(/^\[Deputy\] .*included twice/);
    warn.mockRestore();
  });
});
