// @vitest-environment jsdom
import { describe, expect, it } from 'vitest';
import { readConfig } from '../../widget/config.js';

const SRC = 'https://chat.example.com/widget.js';
const PAGE = { url: 'https://shop.example.com/orders', lang: 'en' };
const read = (data: Record<string, string>, page = PAGE) => readConfig(data, SRC, page);

describe('reading the script tag', () => {
  it("defaults the server to the script's origin and derives the WebSocket and asset URLs", () => {
    const r = read({ site: 'shop' });
    expect(r).toMatchObject({
      ok: true,
      config: {
        server: 'https://chat.example.com',
        wsUrl: 'wss://chat.example.com/ws',
        assetBase: 'https://chat.example.com/widget/',
        site: 'shop',
        token: null,
        position: 'right',
        theme: 'auto',
        locale: 'en',
        open: false,
        zIndex: null,
      },
    });
  });

  it('honours data-server with a path prefix and plain http for local development', () => {
    const r = read(
      { site: 'shop', server: 'http://localhost:8080/deputy/' },
      { url: 'http://localhost:3000/', lang: '' },
    );
    expect(r.ok && r.config.wsUrl).toBe('ws://localhost:8080/deputy/ws');
    expect(r.ok && r.config.assetBase).toBe('https://chat.example.com/widget/');
  });

  it('reads every documented attribute', () => {
    const r = read({
      site: 'shop',
      visitorToken: 'aaa.bbb.ccc',
      title: 'Help',
      greeting: 'Hello there',
      accent: '#0b5fff',
      position: 'left',
      locale: 'es-MX',
      theme: 'dark',
      open: '',
      zIndex: '500',
      nonce: 'r4nd0mN0nce==',
    });
    expect(r).toMatchObject({
      ok: true,
      config: {
        token: 'aaa.bbb.ccc',
        title: 'Help',
        greeting: 'Hello there',
        accent: '#0b5fff',
        position: 'left',
        locale: 'es',
        theme: 'dark',
        open: true,
        zIndex: 500,
        nonce: 'r4nd0mN0nce==',
      },
    });
  });

  it('takes the locale from <html lang> when data-locale is absent, English otherwise', () => {
    const fr = read({ site: 'shop' }, { url: PAGE.url, lang: 'fr-CA' });
    const ja = read({ site: 'shop' }, { url: PAGE.url, lang: 'ja' });
    expect(fr.ok && fr.config.locale).toBe('fr');
    expect(ja.ok && ja.config.locale).toBe('en');
  });

  it('resolves a relative data-token-url against the page', () => {
    const r = read({ site: 'shop', tokenUrl: '/api/deputy-token' });
    expect(r.ok && r.config.tokenUrl).toBe('https://shop.example.com/api/deputy-token');
  });
});

describe('invalid config', () => {
  it.each([
    [{}, 'data-site must be your site id'],
    [{ site: 'Shop!' }, 'data-site must be your site id'],
    [{ site: 'shop', server: 'ftp://x' }, 'data-server must be'],
    [{ site: 'shop', visitorToken: 'not a jwt' }, 'data-visitor-token must be a JWT'],
    [
      { site: 'shop', visitorToken: 'a.b.c', tokenUrl: '/t' },
      'data-visitor-token must be omitted with data-token-url',
    ],
    [{ site: 'shop', tokenUrl: 'javascript:alert(1)' }, 'data-token-url must be an http(s) URL'],
    [{ site: 'shop', accent: 'red;}body{display:none' }, 'data-accent must be a CSS color'],
    [{ site: 'shop', position: 'center' }, 'data-position must be "right" or "left"'],
    [{ site: 'shop', theme: 'blue' }, 'data-theme must be "auto" or "light" or "dark"'],
    [{ site: 'shop', locale: 'tlh' }, 'data-locale must be one of en, es, de, fr, ar'],
    [{ site: 'shop', open: 'yes' }, 'data-open must be "true" or "false"'],
    [{ site: 'shop', zIndex: '-1' }, 'data-z-index must be a whole number'],
  ])('%o is refused with a message naming the fix', (data, fix) => {
    const r = read(data as Record<string, string>);
    expect(r.ok).toBe(false);
    expect(!r.ok && r.error).toMatch(/^\[Deputy\] /);
    expect(!r.ok && r.error).toContain(fix);
  });

  it('lists every problem in one message', () => {
    const r = read({ position: 'up', theme: 'neon' });
    expect(!r.ok && r.error.match(/must be/g)).toHaveLength(3);
  });
});
