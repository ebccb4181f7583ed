/**
 * Shared setup for the browser tests: the Debian Chromium (never a downloaded one), one browser per
 * test file. A test file skips only when /usr/bin/chromium is absent.
 */
import { existsSync } from 'node:fs';
import { type Browser, chromium, type Frame, type Locator, type Page } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';
import { removeDataDir, startServer, type TestServer } from '../helpers/server.js';

export const CHROMIUM = '/usr/bin/chromium';
export const hasChromium = existsSync(CHROMIUM);
if (!hasChromium) console.warn(`[e2e] ${CHROMIUM} is not installed: browser tests are skipped.`);

/** Launches the Debian Chromium. */
export function launch(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
    ],
  });
}

/** Playwright locators pierce open shadow roots, so these find the widget by its accessible names. */
export function widget(page: Page | Frame) {
  return {
    launcher: page.getByRole('button', { name: 'Open chat', exact: true }),
    log: page.getByRole('log'),
    input: page.getByRole('textbox', { name: 'Message', exact: true }),
    send: page.getByRole('button', { name: 'Send', exact: true }),
  };
}

/** Sends a visitor message through the UI and waits until the reply to it is complete. */
export async function ask(page: Page, text: string): Promise<Locator> {
  const w = widget(page);
  const replies = w.log.locator('.row.assistant:not(.greeting):not(.streaming)');
  const before = await replies.count();
  await w.input.fill(text);
  await w.send.click();
  await page.waitForFunction(
    (n) => {
      const root = document.querySelector('deputy-chat')?.shadowRoot;
      return (root?.querySelectorAll('.row.assistant:not(.greeting):not(.streaming)').length ?? 0) > n;
    },
    before,
    { timeout: 15_000 },
  );
  return replies.last();
}

/**
 * A demo server (temp data directory, demo CRM) and a Chromium for one describe block: both start
 * before its tests and stop after them.
 */
export function useDemo(): { readonly server: TestServer; readonly browser: Browser } {
  const demo = {} as { server: TestServer; browser: Browser };
  beforeAll(async () => {
    [demo.server, demo.browser] = await Promise.all([startServer(), launch()]);
  });
  afterAll(async () => {
    await demo.browser?.close();
    await demo.server?.close();
    if (demo.server) removeDataDir(demo.server.dataDir);
  });
  return demo;
}
