// Issue 5: the widget works on a page with a strict CSP (no inline scripts or styles, connect-src 'self').
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeDataDir, startServer, type TestServer } from '../helpers/server.js';
import { ask, hasChromium, launch, widget } from './browser.js';

describe.skipIf(!hasChromium)('strict Content-Security-Policy', () => {
  let server: TestServer;
  let browser: Browser;

  beforeAll(async () => {
    [server, browser] = await Promise.all([startServer(), launch()]);
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    if (server) removeDataDir(server.dataDir);
  });

  it('styles, connects and answers on /csp without a single CSP violation', async () => {
    const page = await browser.newPage();
    const violations: string[] = [];
    page.on('console', (m) => {
      if (/Content Security Policy/i.test(m.text())) violations.push(m.text());
    });
    await page.addInitScript(() => {
      document.addEventListener('securitypolicyviolation', (e) => {
        console.error(`Content Security Policy violation: ${e.violatedDirective} ${e.blockedURI}`);
      });
    });
    const res = await page.goto(`${server.url}/csp?as=alice`);
    expect(res?.headers()['content-security-policy']).toContain("style-src 'self'");

    const w = widget(page);
    // Styled by constructable stylesheets: the launcher is a round accent-coloured button.
    const launcherStyle = await w.launcher.evaluate((el) => {
      const s = getComputedStyle(el);
      return { bg: s.backgroundColor, radius: s.borderRadius, position: s.position };
    });
    expect(launcherStyle).toEqual({ bg: 'rgb(35, 87, 217)', radius: '50%', position: 'fixed' });
    // And the demo page's own stylesheet loaded from /demo/demo.css.
    expect(await page.locator('.site-header').evaluate((el) => getComputedStyle(el).position)).toBe('sticky');

    await w.launcher.click();
    const reply = await ask(page, "What's the status of ticket T-1001?");
    expect(await reply.textContent()).toMatch(/open/i);
    expect(
      await page
        .locator('deputy-chat')
        .locator('#deputy-panel')
        .evaluate((el) => getComputedStyle(el).borderRadius),
    ).toBe('16px');
    expect(violations).toEqual([]);
    await page.close();
  });
});
