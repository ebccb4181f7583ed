/**
 * Chromium-only helpers over playwright-core (kept for tests written against them). New visitor cases
 * use the driver seam instead (engines.ts, widget-page.ts), which runs them in all three engines.
 */
import { existsSync } from 'node:fs';
import { type Browser, chromium, type Frame, type Locator, type Page } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';
import { removeDataDir, startServer, type TestServer } from '../helpers/server.js';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from './drivers/chromium.js';

export const CHROMIUM = CHROMIUM_PATH;
export const hasChromium = existsSync(CHROMIUM);
if (!hasChromium) console.warn(`[e2e] ${CHROMIUM} is not installed: browser tests are skipped.`);

/** Launches the Debian Chromium. */
export function launch(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: CHROMIUM_ARGS,
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
