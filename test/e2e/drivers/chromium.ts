/** The Chromium driver: Debian's /usr/bin/chromium over playwright-core (never a downloaded browser). */
import { existsSync } from 'node:fs';
import { type Browser, chromium, type ElementHandle, type Response } from 'playwright-core';
import { describeTarget, findExpression } from './locate.js';
import { childrenRunning } from './procs.js';
import { type E2EPage, type Engine, EngineError, named, type PageOptions, type Target } from './types.js';
import { pollUntil } from './wait.js';

export const CHROMIUM_PATH = '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
];

/** Why Chromium cannot run here, or null when it can. */
export function chromiumMissing(): string | null {
  return existsSync(CHROMIUM_PATH) ? null : `${CHROMIUM_PATH} is not installed (apt-get install chromium)`;
}

/** Launches Chromium; one per test file, a new context (fresh storage) per page. */
export async function launchChromium(): Promise<Engine> {
  const missing = chromiumMissing();
  if (missing) throw new EngineError('chromium', missing);
  const browser = await named('chromium', 'launch', () =>
    chromium.launch({
      executablePath: CHROMIUM_PATH,
      args: CHROMIUM_ARGS,
      // playwright turns the back/forward cache off by default; the visitor cases test it.
      ignoreDefaultArgs: ['--disable-back-forward-cache'],
    }),
  );
  const version = `Chromium ${browser.version()}`;
  let closed = false;
  return {
    name: 'chromium',
    version,
    newPage: (opts = {}) => named('chromium', 'new page', () => openPage(browser, opts)),
    // playwright-core does not expose the browser's pid: find our chromium child in /proc
    // (Debian's /usr/bin/chromium is a script that execs /usr/lib/chromium/chromium).
    pids: () => (closed ? [] : childrenRunning(CHROMIUM_PATH, '/usr/lib/chromium/chromium')),
    async close() {
      if (closed) return;
      closed = true;
      await browser.close().catch(() => undefined);
    },
  };
}

async function openPage(browser: Browser, opts: PageOptions): Promise<E2EPage> {
  const context = await browser.newContext({
    viewport: { width: opts.width ?? 1280, height: opts.height ?? 800 },
    colorScheme: opts.colorScheme ?? 'light',
    reducedMotion: opts.reducedMotion ?? 'no-preference',
  });
  const page = await context.newPage();
  let headers: Record<string, string> | null = null;
  const call = <T>(what: string, run: () => Promise<T>) => named('chromium', what, run);
  const element = (target: Target): Promise<ElementHandle<Element>> =>
    pollUntil(
      { engine: 'chromium' },
      describeTarget(target),
      async () =>
        (await page.evaluateHandle(findExpression(target))).asElement() as ElementHandle<Element> | null,
      (el) => el !== null,
      10_000,
    ) as Promise<ElementHandle<Element>>;
  const remember = (res: Response | null) => {
    headers = res ? res.headers() : null;
  };
  const api: E2EPage = {
    engine: 'chromium',
    goto: (url) => call(`goto ${url}`, async () => remember(await page.goto(url))),
    reload: () => call('reload', async () => remember(await page.reload())),
    back: () => call('back', async () => void (await page.goBack())),
    forward: () => call('forward', async () => void (await page.goForward())),
    url: () => call('url', async () => page.url()),
    click: (target) => call(`click ${describeTarget(target)}`, async () => (await element(target)).click()),
    async fill(target, text) {
      await api.click(target);
      await call('select', async () =>
        (await element(target)).evaluate((el) => (el as HTMLTextAreaElement).select?.()),
      );
      await api.type(text);
    },
    type: (text) => call('type', () => page.keyboard.type(text)),
    press: (key) => call(`press ${key}`, () => page.keyboard.press(key)),
    evaluate: (fn, arg) => call('evaluate', () => page.evaluate(fn as (a: unknown) => never, arg)),
    addInitScript: (fn, arg) =>
      call('init script', async () => void (await page.addInitScript(fn as (a: unknown) => void, arg))),
    lastHeaders: () => headers,
    screenshot: (path) => call('screenshot', async () => void (await page.screenshot({ path }))),
    close: () => call('close page', () => context.close()),
  };
  return api;
}
