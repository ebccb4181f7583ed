// Issue 5 + docs/architecture.md §1.4: the server restarts mid-conversation; the widget says so, reconnects to the
// new process on the same database, delivers what was typed meanwhile, and loses or repeats nothing.
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeDataDir, startServer, type TestServer } from '../helpers/server.js';
import { ask, hasChromium, launch, widget } from './browser.js';

const rows = (page: Page, selector: string) =>
  page
    .locator('deputy-chat')
    .locator(selector)
    .evaluateAll((els) => els.map((e) => e.querySelector('[dir="auto"]')?.textContent?.trim() ?? ''));

describe.skipIf(!hasChromium)('server restart mid-conversation', () => {
  let server: TestServer;
  let browser: Browser;

  beforeAll(async () => {
    [server, browser] = await Promise.all([startServer(), launch()]);
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    removeDataDir(server.dataDir);
  });

  it('reconnects, delivers the message typed while down exactly once, and keeps the history', async () => {
    const page = await browser.newPage();
    await page.goto(`${server.url}/?as=alice`);
    const w = widget(page);
    await w.launcher.click();
    await ask(page, "What's the status of ticket T-1001?");

    const { dataDir, port } = server;
    await server.close(); // sockets are closed with 1012
    const status = page.locator('deputy-chat').locator('.status');
    await expect.poll(() => status.textContent(), { timeout: 5_000 }).toBe('Reconnecting…');

    await w.input.fill("What's the status of ticket T-1002?");
    await w.input.press('Enter');
    await expect.poll(() => rows(page, '.row.pending')).toEqual(["What's the status of ticket T-1002?"]);

    server = await startServer({ dataDir, port });
    // Backoff with jitter while the port was closed: up to ~8 s before the next attempt.
    await expect.poll(() => status.textContent(), { timeout: 30_000 }).toBe('');
    await expect
      .poll(() => rows(page, '.row.assistant:not(.greeting):not(.streaming)'), { timeout: 15_000 })
      .toHaveLength(2);
    expect((await rows(page, '.row.assistant:not(.greeting)'))[1]).toMatch(/solved|T-1002/i);

    const expected = ["What's the status of ticket T-1001?", "What's the status of ticket T-1002?"];
    expect(await rows(page, '.row.visitor')).toEqual(expected);

    // What the server stored: forget the local copy but keep the conversation id, and replay it all.
    await page.evaluate(() => {
      for (const key of Object.keys(localStorage).filter((k) => k.startsWith('deputy:v1:'))) {
        const saved = JSON.parse(localStorage.getItem(key) ?? '{}');
        localStorage.setItem(
          key,
          JSON.stringify({ conversationId: saved.conversationId, lastSeq: 0, messages: [], outbox: [] }),
        );
      }
    });
    await page.reload();
    await widget(page).launcher.click();
    await expect.poll(() => rows(page, '.row.visitor')).toEqual(expected);
    expect(await rows(page, '.row.assistant:not(.greeting)')).toHaveLength(2);
    await page.close();
  }, 60_000);
});
