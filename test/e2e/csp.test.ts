// The strict-CSP demo page (/csp): the widget styles itself with constructable stylesheets, connects
// and answers without one Content-Security-Policy violation, in every engine.
import { expect, it } from 'vitest';
import { describeEngines } from './engines.js';
import { ask, openChat, style } from './widget-page.js';

/** Records violations in the page; runs before the page's own scripts where the engine allows it. */
function recordViolations(): void {
  const w = window as unknown as { __cspViolations?: string[] };
  if (w.__cspViolations) return;
  w.__cspViolations = [];
  document.addEventListener('securitypolicyviolation', (e) => {
    w.__cspViolations?.push(`${e.violatedDirective} ${e.blockedURI}`);
  });
}

describeEngines('strict Content-Security-Policy', (run) => {
  it('styles, connects and answers on /csp without a single CSP violation', async () => {
    const url = `${run.server.url}/csp?as=alice`;
    const res = await fetch(url);
    expect(res.headers.get('content-security-policy')).toContain("style-src 'self'");
    await res.body?.cancel();

    const page = await run.engine.newPage();
    // WebDriver classic has no init scripts (WebKit): there the listener starts right after load,
    // and the styles checked below prove the load-time stylesheets were not blocked.
    await page.addInitScript?.(recordViolations, null);
    await page.goto(url);
    await page.evaluate(recordViolations, null);
    // Styled by constructable stylesheets: the launcher is a round accent-coloured button.
    expect(await style(page, '.launcher', 'background-color')).toBe('rgb(35, 87, 217)');
    expect(await style(page, '.launcher', 'border-radius')).toBe('50%');
    expect(await style(page, '.launcher', 'position')).toBe('fixed');
    // And the demo page's own stylesheet loaded from /demo/demo.css.
    expect(
      await page.evaluate(
        () => getComputedStyle(document.querySelector('.site-header') as Element).position,
        null,
      ),
    ).toBe('sticky');

    await openChat(page, url);
    expect(await ask(page, "What's the status of ticket T-1001?")).toMatch(/open/i);
    expect(await style(page, '#deputy-panel', 'border-radius')).toBe('16px');
    await page.evaluate(recordViolations, null);
    expect(
      await page.evaluate(() => (window as unknown as { __cspViolations: string[] }).__cspViolations, null),
    ).toEqual([]);
    await page.close();
  });
});
