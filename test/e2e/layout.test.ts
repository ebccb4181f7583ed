// How the widget looks and reads on a desktop, a phone, in dark mode and in Arabic (RTL), in every
// engine. Each case also writes a screenshot (see shotPath) for the README and for review.
import { expect, it } from 'vitest';
import { describeEngines } from './engines.js';
import { ask, box, focused, INPUT, openChat, REPLY, shotPath, style, textOf, until } from './widget-page.js';

describeEngines('widget layout', (run) => {
  it('opens as a floating panel beside the launcher on a desktop', async () => {
    const page = await run.engine.newPage({ width: 1280, height: 800 });
    await openChat(page, `${run.server.url}/?as=alice`);
    expect(await ask(page, "What's the status of ticket T-1001?")).toMatch(/open/i);
    const panel = await box(page, '#deputy-panel');
    expect(panel?.width).toBe(380);
    expect(panel!.x + panel!.width).toBeLessThanOrEqual(1280 - 16);
    expect(panel!.y).toBeGreaterThan(0);
    // The header's "Signed in as" line keeps the header's colour (the operator-name rule once greyed it).
    expect(await style(page, '.head .who', 'color')).toBe(await style(page, '.head h2', 'color'));
    await page.screenshot(shotPath(page, 'desktop'));
    await page.close();
  });

  it('follows the dark colour scheme and reduced motion', async () => {
    const page = await run.engine.newPage({
      width: 1280,
      height: 800,
      colorScheme: 'dark',
      reducedMotion: 'reduce',
    });
    await openChat(page, `${run.server.url}/?as=alice`);
    await ask(page, 'Show my tickets');
    expect(await style(page, '#deputy-panel', 'background-color')).toBe('rgb(23, 25, 29)');
    // prefers-reduced-motion: the panel appears without its slide-in animation.
    expect(await style(page, '#deputy-panel', 'animation-name')).toBe('none');
    await page.screenshot(shotPath(page, 'dark'));
    await page.close();
    // Firefox starts a second browser for these media settings (BiDi cannot emulate them per page).
  }, 90_000);

  it('fills a 390×844 phone screen, hides the launcher and keeps the composer visible', async () => {
    const page = await run.engine.newPage({ width: 390, height: 844 });
    await openChat(page, `${run.server.url}/?as=alice`);
    await ask(page, "What's the status of ticket T-1001?");
    expect(await page.evaluate(() => [innerWidth, innerHeight], null)).toEqual([390, 844]);
    await until(
      page,
      'a full-screen panel',
      () => box(page, '#deputy-panel'),
      (b) => b?.x === 0 && b.y === 0 && b.width === 390 && b.height === 844,
    );
    await until(
      page,
      'the launcher hidden',
      () => box(page, '.launcher'),
      (b) => !b || b.width === 0,
    );
    const composer = await box(page, 'textarea');
    expect(composer!.y + composer!.height).toBeLessThanOrEqual(844);
    expect(composer!.height).toBeGreaterThan(0);
    // Full screen is modal: Tab from the last control wraps to the first instead of the page behind.
    await page.evaluate(() => {
      const root = document.querySelector('deputy-chat')?.shadowRoot;
      (root?.querySelector('button[aria-label="Send"]') as HTMLElement | null)?.focus();
    }, null);
    await page.press('Tab');
    expect(await focused(page)).toBe('button:Close chat');
    await page.press('Shift+Tab');
    expect(await focused(page)).toBe('button:Send');
    await page.click(INPUT);
    await page.screenshot(shotPath(page, 'mobile'));
    await page.close();
  });

  it('speaks Arabic right to left with data-locale="ar"', async () => {
    const page = await run.engine.newPage({ width: 1280, height: 800 });
    // The demo page writes data-locale="ar" into its snippet, as a site owner would.
    await page.goto(`${run.server.url}/?as=alice&locale=ar`);
    await page.click({ role: 'button', name: 'فتح المحادثة' });
    const attrs = () =>
      page.evaluate(() => {
        const panel = document.querySelector('deputy-chat')?.shadowRoot?.querySelector('#deputy-panel');
        return `${panel?.getAttribute('dir')}/${panel?.getAttribute('lang')}`;
      }, null);
    await until(page, 'dir=rtl lang=ar', attrs, (v) => v === 'rtl/ar');
    // Greeted by first name once the server has said who is signed in.
    await until(
      page,
      'the Arabic greeting',
      () => textOf(page, '.greeting .bubble'),
      (t) => t === 'مرحبًا Alice! كيف يمكننا مساعدتك اليوم؟',
    );
    await page.fill({ role: 'textbox', name: 'الرسالة' }, "What's the status of ticket T-1001?");
    await page.click({ role: 'button', name: 'إرسال' });
    // In RTL the visitor's bubble sits on the left. Polled: the row is re-rendered once the server
    // acknowledges the message.
    await until(
      page,
      "the visitor's bubble on the left",
      async () => {
        const [panel, mine] = await Promise.all([
          box(page, '#deputy-panel'),
          lastBox(page, '.row.visitor .bubble'),
        ]);
        return panel && mine ? mine.x - panel.x : Number.POSITIVE_INFINITY;
      },
      (dx) => dx < 40,
    );
    await until(
      page,
      'the reply',
      () => textOf(page, REPLY),
      (t) => t.length > 0,
    );
    await page.screenshot(shotPath(page, 'arabic'));
    // Switching the demo customer keeps the locale.
    await page.click({ role: 'link', name: 'Bob Chen' });
    await until(
      page,
      'the page for Bob',
      () => page.url(),
      (u) => /as=bob/.test(u),
    );
    expect(new URL(await page.url()).searchParams.get('locale')).toBe('ar');
    await page.click({ role: 'button', name: 'فتح المحادثة' });
    await page.close();
  });
});

function lastBox(page: Parameters<typeof box>[0], selector: string) {
  return page.evaluate((sel) => {
    const all = document.querySelector('deputy-chat')?.shadowRoot?.querySelectorAll(sel);
    const r = all?.[all.length - 1]?.getBoundingClientRect();
    return r ? { x: Math.round(r.x), width: Math.round(r.width) } : null;
  }, selector);
}
