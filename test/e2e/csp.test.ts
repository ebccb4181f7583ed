import { describe, expect, it } from 'vitest';
import { ask, hasChromium, useDemo, widget } from './browser.js';

describe.skipIf(!hasChromium)('strict Content-Security-Policy', () => {
  const demo = useDemo();

  it('styles, connects and answers on /csp without a single CSP violation', async () => {
    const page = await demo.browser.newPage();
    const violations: string[] = [];
    page.on('console', (m) => {
      if (/Content Security Policy/i.test(m.text())) violations.push(m.text());
    });
    await page.addInitScript(() => {
      document.addEventListener('securitypolicyviolation', (e) => {
        console.error(`Content Security Policy violation: ${e.violatedDirective} ${e.blockedURI}`);
      });
    });
    const res = await page.goto(`${demo.server.url}/csp?as=alice`);
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
