/**
 * The Firefox driver: Debian's firefox-esr over puppeteer-core speaking WebDriver BiDi, headless.
 * puppeteer-core never downloads a browser; this file only ever starts /usr/bin/firefox-esr.
 */
import { existsSync } from 'node:fs';
import puppeteer, { type Browser, type ElementHandle, type HTTPResponse } from 'puppeteer-core';
import { describeTarget, findExpression } from './locate.js';
import { stopGroup, watchGroup } from './procs.js';
import { type E2EPage, type Engine, EngineError, named, type PageOptions, type Target } from './types.js';
import { pollUntil } from './wait.js';

export const FIREFOX_PATH = '/usr/bin/firefox-esr';

/** Why Firefox cannot run here, or null when it can. */
export function firefoxMissing(): string | null {
  return existsSync(FIREFOX_PATH) ? null : `${FIREFOX_PATH} is not installed (apt-get install firefox-esr)`;
}

/** Launches Firefox; one per test file, a new browser context (fresh storage) per page. */
export async function launchFirefox(executablePath = FIREFOX_PATH): Promise<Engine> {
  if (!existsSync(executablePath)) throw new EngineError('firefox', `${executablePath} is not installed`);
  // Media features cannot be emulated per page over BiDi (puppeteer needs CDP for that), so each
  // colour scheme / motion setting gets its own Firefox with prefs, started on first use.
  const browsers = new Map<string, Promise<Browser>>();
  const pids = new Set<number>();
  const start = (opts: PageOptions): Promise<Browser> => {
    const key = `${opts.colorScheme ?? 'light'}:${opts.reducedMotion ?? 'no-preference'}`;
    let browser = browsers.get(key);
    if (!browser) {
      browser = named('firefox', 'launch', () =>
        puppeteer.launch({
          browser: 'firefox',
          protocol: 'webDriverBiDi',
          executablePath,
          headless: true,
          extraPrefsFirefox: {
            // No telemetry or updates: nothing but loopback traffic in tests.
            'datareporting.policy.dataSubmissionEnabled': false,
            'app.update.enabled': false,
            // 0 dark, 1 light.
            'layout.css.prefers-color-scheme.content-override': opts.colorScheme === 'dark' ? 0 : 1,
            'ui.prefersReducedMotion': opts.reducedMotion === 'reduce' ? 1 : 0,
            // Overlay scrollbars, as on a phone and in the other two engines' headless windows: a
            // classic scrollbar would take 12 px of a 390 px viewport.
            'widget.gtk.overlay-scrollbars.enabled': true,
            'ui.useOverlayScrollbars': 1,
            // Cases step back and forth to a data: page standing in for another site; Firefox would
            // block the history step into it as a content-initiated data: navigation.
            'security.data_uri.block_toplevel_data_uri_navigations': false,
          },
        }),
      ).then((b) => {
        const pid = b.process()?.pid;
        if (pid !== undefined) {
          pids.add(pid);
          watchGroup(pid);
        }
        return b;
      });
      browsers.set(key, browser);
      browser.catch(() => browsers.delete(key));
    }
    return browser;
  };
  const first = await start({});
  const version = (await named('firefox', 'version', () => first.version())).replace(
    /^firefox\//i,
    'Firefox ',
  );
  let closed = false;
  return {
    name: 'firefox',
    version,
    newPage: async (opts = {}) => openPage(await start(opts), opts),
    pids: () => (closed ? [] : [...pids]),
    async close() {
      if (closed) return;
      closed = true;
      const all = await Promise.allSettled(browsers.values());
      for (const b of all) if (b.status === 'fulfilled') await b.value.close().catch(() => undefined);
      // puppeteer starts Firefox in its own process group: make sure no content process outlives it.
      for (const pid of pids) await stopGroup(pid);
      pids.clear();
    },
  };
}

/** 'Shift+Enter' → modifiers ['Shift'] and key 'Enter'. */
export function splitChord(chord: string): { modifiers: string[]; key: string } {
  const parts = chord.split('+');
  return { modifiers: parts.slice(0, -1), key: parts.at(-1) ?? chord };
}

async function openPage(browser: Browser, opts: PageOptions): Promise<E2EPage> {
  const context = await named('firefox', 'new context', () => browser.createBrowserContext());
  const page = await named('firefox', 'new page', () => context.newPage());
  await named('firefox', 'viewport', () =>
    page.setViewport({ width: opts.width ?? 1280, height: opts.height ?? 800 }),
  );
  let headers: Record<string, string> | null = null;
  const call = <T>(what: string, run: () => Promise<T>) => named('firefox', what, run);
  const element = (target: Target): Promise<ElementHandle<Element>> =>
    pollUntil(
      { engine: 'firefox' },
      describeTarget(target),
      async () =>
        (await page.evaluateHandle(findExpression(target))).asElement() as ElementHandle<Element> | null,
      (el) => el !== null,
      10_000,
    ) as Promise<ElementHandle<Element>>;
  // puppeteer's goBack/goForward wait for a navigation event that a page restored from Firefox's
  // back/forward cache never sends (the test hangs): step through history and wait for the document.
  const traverse = async (delta: number) => {
    const where = () => page.evaluate(() => `${document.readyState} ${location.href}`);
    const from = await where();
    await page.evaluate((d) => setTimeout(() => history.go(d), 0), delta);
    await pollUntil(
      { engine: 'firefox' },
      `history.go(${delta}) from ${from}`,
      where,
      (now) => now !== from && now.startsWith('complete '),
      15_000,
    );
  };
  const remember = (res: HTTPResponse | null) => {
    headers = res ? res.headers() : null;
  };
  const api: E2EPage = {
    engine: 'firefox',
    goto: (url) => call(`goto ${url}`, async () => remember(await page.goto(url))),
    reload: () => call('reload', async () => remember(await page.reload())),
    back: () => call('back', () => traverse(-1)),
    forward: () => call('forward', () => traverse(1)),
    // page.url() misses history steps over BiDi; the document knows where it is.
    url: () => call('url', () => page.evaluate(() => location.href)),
    click: (target) => call(`click ${describeTarget(target)}`, async () => (await element(target)).click()),
    async fill(target, text) {
      await api.click(target);
      await call('select', async () =>
        (await element(target)).evaluate((el) => (el as HTMLTextAreaElement).select?.()),
      );
      await api.type(text);
    },
    type: (text) => call('type', () => page.keyboard.type(text)),
    press: (chord) =>
      call(`press ${chord}`, async () => {
        const { modifiers, key } = splitChord(chord);
        for (const m of modifiers) await page.keyboard.down(m as 'Shift');
        await page.keyboard.press(key as 'Enter');
        for (const m of modifiers.reverse()) await page.keyboard.up(m as 'Shift');
      }),
    evaluate: (fn, arg) => call('evaluate', () => page.evaluate(fn as (a: unknown) => unknown, arg) as never),
    addInitScript: (fn, arg) =>
      call(
        'init script',
        async () => void (await page.evaluateOnNewDocument(fn as (a: unknown) => void, arg)),
      ),
    lastHeaders: () => headers,
    screenshot: (path) =>
      call('screenshot', async () => void (await page.screenshot({ path: path as `${string}.png` }))),
    close: () => call('close page', () => context.close()),
  };
  return api;
}
