// Issue 5: how the widget looks and reads on a desktop, a phone, in dark mode and in Arabic (RTL).
// Each case also writes a screenshot to docs/screenshots/ for the README and for review.
import { mkdirSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { ask, hasChromium, useDemo, widget } from './browser.js';

// DEPUTY_SCREENSHOTS=1 refreshes the committed screenshots; ordinary runs write to test-results/.
const SHOTS = process.env.DEPUTY_SCREENSHOTS === '1' ? 'docs/screenshots' : 'test-results/screenshots';

function panelBox(page: Page) {
  return page.locator('deputy-chat').locator('#deputy-panel').boundingBox();
}

describe.skipIf(!hasChromium)('widget layout', () => {
  const demo = useDemo();

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
  });

  it('opens as a floating panel beside the launcher on a desktop', async () => {
    const page = await demo.browser.newPage({ viewport: { width: 1280, height: 800 } });
    await page.goto(`${demo.server.url}/?as=alice`);
    const w = widget(page);
    await w.launcher.click();
    const reply = await ask(page, "What's the status of ticket T-1001?");
    await expect.poll(() => reply.textContent()).toMatch(/open/i);
    const box = await panelBox(page);
    expect(box).not.toBeNull();
    expect(box!.width).toBeCloseTo(380, 0);
    expect(box!.x + box!.width).toBeLessThanOrEqual(1280 - 16);
    expect(box!.y).toBeGreaterThan(0);
    await page.screenshot({ path: `${SHOTS}/desktop.png` });
    await page.close();
  });

  it('follows the dark colour scheme', async () => {
    const page = await demo.browser.newPage({
      viewport: { width: 1280, height: 800 },
      colorScheme: 'dark',
      reducedMotion: 'reduce',
    });
    await page.goto(`${demo.server.url}/?as=alice`);
    await widget(page).launcher.click();
    await ask(page, 'Show my tickets');
    const bg = await page
      .locator('deputy-chat')
      .locator('#deputy-panel')
      .evaluate((el) => getComputedStyle(el).backgroundColor);
    expect(bg).toBe('rgb(23, 25, 29)');
    // prefers-reduced-motion: the panel appears without its slide-in animation.
    const animation = await page
      .locator('deputy-chat')
      .locator('#deputy-panel')
      .evaluate((el) => getComputedStyle(el).animationName);
    expect(animation).toBe('none');
    await page.screenshot({ path: `${SHOTS}/dark.png` });
    await page.close();
  });

  it('fills a 390×844 phone screen and hides the launcher behind it', async () => {
    const context = await demo.browser.newContext({
      viewport: { width: 390, height: 844 },
      deviceScaleFactor: 2,
      isMobile: true,
      hasTouch: true,
    });
    const page = await context.newPage();
    await page.goto(`${demo.server.url}/?as=alice`);
    const w = widget(page);
    await w.launcher.tap();
    await ask(page, "What's the status of ticket T-1001?");
    const box = await panelBox(page);
    expect(box).toEqual({ x: 0, y: 0, width: 390, height: 844 });
    await expect.poll(() => w.launcher.isVisible()).toBe(false);
    await expect.poll(() => w.input.isVisible()).toBe(true);
    // Full screen is modal: Tab from the last control wraps to the first instead of the page behind.
    await w.send.focus();
    await page.keyboard.press('Tab');
    const active = () =>
      page.evaluate(() =>
        document.querySelector('deputy-chat')?.shadowRoot?.activeElement?.getAttribute('aria-label'),
      );
    expect(await active()).toBe('Close chat');
    await page.keyboard.press('Shift+Tab');
    expect(await active()).toBe('Send');
    await w.input.focus();
    await page.screenshot({ path: `${SHOTS}/mobile.png` });
    await context.close();
  });

  it('speaks Arabic right to left with data-locale="ar"', async () => {
    const page = await demo.browser.newPage({ viewport: { width: 1280, height: 800 } });
    // The demo page writes data-locale="ar" into its snippet, as a site owner would.
    await page.goto(`${demo.server.url}/?as=alice&locale=ar`);
    await page.getByRole('button', { name: 'فتح المحادثة', exact: true }).click();
    const panel = page.locator('deputy-chat').locator('#deputy-panel');
    await expect.poll(() => panel.getAttribute('dir')).toBe('rtl');
    await expect.poll(() => panel.getAttribute('lang')).toBe('ar');
    // Greeted by first name once the server has said who is signed in.
    const greeting = page.locator('deputy-chat').locator('.greeting .bubble');
    await expect.poll(() => greeting.textContent()).toBe('مرحبًا Alice! كيف يمكننا مساعدتك اليوم؟');
    const input = page.getByRole('textbox', { name: 'الرسالة', exact: true });
    await input.fill("What's the status of ticket T-1001?");
    await page.getByRole('button', { name: 'إرسال', exact: true }).click();
    const mine = page.locator('deputy-chat').locator('.row.visitor').last();
    await mine.waitFor();
    // In RTL the visitor's bubble sits on the left. Polled: the row is re-rendered once the server
    // acknowledges the message, so a box read at the wrong moment belongs to a detached element.
    await expect
      .poll(async () => {
        const [panelBox, mineBox] = await Promise.all([panel.boundingBox(), mine.boundingBox()]);
        return panelBox && mineBox ? mineBox.x - panelBox.x : Number.POSITIVE_INFINITY;
      })
      .toBeLessThan(40);
    await page
      .locator('deputy-chat')
      .locator('.row.assistant:not(.greeting):not(.streaming)')
      .last()
      .waitFor();
    await page.screenshot({ path: `${SHOTS}/arabic.png` });
    // Switching the demo customer keeps the locale.
    await page.getByRole('link', { name: 'Bob Chen', exact: true }).click();
    await page.waitForURL(/as=bob/);
    expect(new URL(page.url()).searchParams.get('locale')).toBe('ar');
    await expect.poll(() => page.getByRole('button', { name: 'فتح المحادثة', exact: true }).count()).toBe(1);
    await page.close();
  });
});
