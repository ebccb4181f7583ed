// Regression (issue 17, found by the WebKit run): WebKitGTK reports Shift+Tab as key "Unidentified"
// with code "Tab", so the full-screen panel's focus trap let Shift+Tab escape to the page behind.
import { expect, it } from 'vitest';
import { describeEngines, selectedEngines } from './engines.js';
import { focused, openChat, until } from './widget-page.js';

// WebKit only: the layout case covers the same wrap in every engine.
if (selectedEngines().includes('webkit')) process.env.DEPUTY_E2E_ENGINES = 'webkit';

describeEngines('webkit: Shift+Tab stays inside the full-screen panel', (run) => {
  it('wraps from the first control to the last when the key is reported as "Unidentified"', async () => {
    const page = await run.engine.newPage({ width: 390, height: 844 });
    await openChat(page, `${run.server.url}/?as=alice`);
    await page.evaluate(() => {
      const root = document.querySelector('deputy-chat')?.shadowRoot;
      (root?.querySelector('button[aria-label="Close chat"]') as HTMLElement | null)?.focus();
    }, null);
    expect(await focused(page)).toBe('button:Close chat');
    await page.press('Shift+Tab');
    await until(
      page,
      'focus on Send',
      () => focused(page),
      (f) => f === 'button:Send',
    );
    await page.close();
  });
});
