/**
 * The one place where the script tag's data-* attributes become a validated WidgetConfig.
 * Every problem is collected so the site owner gets a single `[Deputy]` message listing each fix.
 * This runs inside the ≤ 3 KB loader, so messages share one phrasing ("data-x must be …").
 */
import type { Locale, Theme, WidgetConfig } from './types.js';

export const LOCALES: readonly Locale[] = ['en', 'es', 'de', 'fr', 'ar'];
export const JWT = /^[\w-]+\.[\w-]+\.[\w-]*$/;

export type ConfigResult = { ok: true; config: WidgetConfig } | { ok: false; error: string };

/** Picks a supported locale from a BCP 47 tag (`es-MX` → `es`), or undefined. */
export function matchLocale(tag: string | null | undefined): Locale | undefined {
  const base = tag?.trim().toLowerCase().split(/[-_]/)[0];
  return LOCALES.find((l) => l === base);
}

function httpUrl(value: string, base: string): URL | null {
  try {
    const url = new URL(value, base);
    return /^https?:$/.test(url.protocol) ? url : null;
  } catch {
    return null;
  }
}

function isColor(value: string): boolean {
  const css = (globalThis as { CSS?: { supports?(p: string, v: string): boolean } }).CSS;
  // The character allowlist keeps the value from closing the `:host{…}` rule it is written into.
  return (
    /^[#\w(),.%\s/-]{1,40}$/.test(value) &&
    (css?.supports?.('color', value) ?? /^#[\da-f]{3,8}$/i.test(value))
  );
}

/**
 * Reads the config.
 * @param data the script's dataset
 * @param scriptSrc absolute URL of the loader script (its origin is the default server)
 * @param page the host page's URL (for relative URLs) and `<html lang>` (the default locale)
 */
export function readConfig(
  data: Record<string, string | undefined>,
  scriptSrc: string,
  page: { url: string; lang: string | null },
): ConfigResult {
  const problems: string[] = [];
  const must = (key: string, what: string): void => {
    problems.push(`data-${key} must be ${what}.`);
  };
  const get = (key: string): string | undefined => data[key]?.trim() || undefined;
  const oneOf = <T extends string>(key: string, values: readonly T[]): T => {
    const v = get(key) ?? values[0];
    if (!values.includes(v as T)) must(key, values.map((x) => `"${x}"`).join(' or '));
    return v as T;
  };

  const site = get('site') ?? '';
  if (!/^[a-z0-9][a-z0-9_-]{0,63}$/.test(site)) must('site', 'your site id, e.g. "shop"');

  const scriptUrl = httpUrl(scriptSrc, page.url);
  const server = data.server ? httpUrl(data.server, page.url) : scriptUrl && new URL(scriptUrl.origin);
  if (!server) must('server', "your Deputy server's https: URL");

  const token = get('visitorToken') ?? null;
  if (token && !JWT.test(token)) must('visitor-token', 'a JWT');
  const tokenUrlValue = get('tokenUrl');
  const tokenUrl = tokenUrlValue ? (httpUrl(tokenUrlValue, page.url)?.href ?? null) : null;
  if (tokenUrlValue && !tokenUrl) must('token-url', 'an http(s) URL');
  if (token && tokenUrl) must('visitor-token', 'omitted with data-token-url');

  const accent = get('accent') ?? null;
  if (accent && !isColor(accent)) must('accent', 'a CSS color, e.g. #0b5fff');
  const position = oneOf('position', ['right', 'left'] as const);
  const theme = oneOf<Theme>('theme', ['auto', 'light', 'dark']);
  const openText = data.open?.trim();
  if (openText && openText !== 'true' && openText !== 'false') must('open', '"true" or "false"');
  const locale = data.locale ? matchLocale(data.locale) : (matchLocale(page.lang) ?? 'en');
  if (!locale) must('locale', `one of ${LOCALES.join(', ')}`);

  const zText = get('zIndex');
  const zIndex = zText === undefined ? null : /^\d{1,10}$/.test(zText) ? Number(zText) : -1;
  if (zIndex !== null && !(zIndex >= 0 && zIndex < 2 ** 31)) must('z-index', 'a whole number');

  if (problems.length || !server || !locale) {
    return { ok: false, error: `[Deputy] Chat not started: ${problems.join(' ')}` };
  }
  const base = (server.origin + server.pathname).replace(/\/+$/, '');
  return {
    ok: true,
    config: {
      server: base,
      wsUrl: `${base.replace(/^http/, 'ws')}/ws`,
      assetBase: new URL('widget/', scriptUrl ?? server).href,
      site,
      token,
      tokenUrl,
      // Over-long texts are cut rather than refused: they are cosmetic.
      title: get('title')?.slice(0, 60) ?? null,
      greeting: get('greeting')?.slice(0, 500) ?? null,
      accent,
      position,
      locale,
      theme,
      open: openText === '' || openText === 'true',
      zIndex,
      nonce: get('nonce') ?? null,
    },
  };
}
