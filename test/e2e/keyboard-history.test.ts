// Issue 5: a keyboard-only visitor can chat, and a reload keeps the conversation (no duplicates).
import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { hasChromium, useDemo, widget } from './browser.js';

/** The focused element, looking through the widget's shadow root. */
function focused(page: Page): Promise<string> {
  return page.evaluate(() => {
    let el = document.activeElement;
    while (el?.shadowRoot?.activeElement) el = el.shadowRoot.activeElement;
    return el ? `${el.tagName.toLowerCase()}:${el.getAttribute('aria-label') ?? ''}` : '';
  });
}

function logTexts(page: Page, selector: string): Promise<string[]> {
  return page
    .locator('deputy-chat')
    .locator(selector)
    .evaluateAll((els) => els.map((e) => e.querySelector('[dir="auto"]')?.textContent?.trim() ?? ''));
}

describe.skipIf(!hasChromium)('keyboard and reload', () => {
  const demo = useDemo();
  let page: Page;

  beforeAll(async () => {
    page = await demo.browser.newPage();
  });

  it('works with the keyboard alone: Tab to the launcher, Enter, type, Shift+Enter, Enter, Esc', async () => {
    await page.goto(`${demo.server.url}/?as=alice`);
    await widget(page).launcher.waitFor();
    let steps = 0;
    while ((await focused(page)) !== 'button:Open chat' && steps++ < 40) await page.keyboard.press('Tab');
    expect(await focused(page)).toBe('button:Open chat');

    await page.keyboard.press('Enter');
    await expect.poll(() => focused(page)).toBe('textarea:Message');

    await page.keyboard.type('Hello');
    await page.keyboard.press('Shift+Enter');
    await page.keyboard.type("What's the status of ticket T-1001?");
    expect(await widget(page).input.inputValue()).toBe("Hello\nWhat's the status of ticket T-1001?");
    await page.keyboard.press('Enter');
    expect(await widget(page).input.inputValue()).toBe('');
    await expect
      .poll(() => logTexts(page, '.row.assistant:not(.greeting):not(.streaming)'), { timeout: 15_000 })
      .toHaveLength(1);
    expect((await logTexts(page, '.row.assistant:not(.greeting)'))[0]).toMatch(/open/i);

    await page.keyboard.press('Tab');
    expect(await focused(page)).toBe('button:Send');
    await page.keyboard.press('Escape');
    expect(await focused(page)).toBe('button:Open chat');
    await expect.poll(() => widget(page).log.isVisible()).toBe(false);
  });

  it('shows the same conversation after a reload, once, and carries on in it', async () => {
    const before = await logTexts(page, '.row:not(.greeting)');
    expect(before).toHaveLength(2);
    await page.reload();
    await widget(page).launcher.click();
    await expect.poll(() => logTexts(page, '.row:not(.greeting)')).toEqual(before);

    await widget(page).input.fill('Thanks!');
    await widget(page).input.press('Enter');
    await expect
      .poll(() => logTexts(page, '.row.assistant:not(.greeting):not(.streaming)'), { timeout: 15_000 })
      .toHaveLength(2);
    // Nothing replayed twice by the resume after the reload.
    const visitor = await logTexts(page, '.row.visitor');
    expect(visitor).toEqual(["Hello\nWhat's the status of ticket T-1001?", 'Thanks!']);
  });
});
