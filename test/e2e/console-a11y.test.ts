import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { signIn } from '../helpers/ws-client.js';
import { hasChromium, useDemo } from './browser.js';

// DEPUTY_SCREENSHOTS=1 refreshes the committed screenshots; ordinary runs write to test-results/.
const SHOTS = process.env.DEPUTY_SCREENSHOTS === '1' ? 'docs/screenshots' : 'test-results/screenshots';

const AXE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

interface Violation {
  id: string;
  impact: string | null;
  nodes: { target: string[] }[];
}

/** axe-core's WCAG 2.1 A/AA rules, run in the page. */
async function violations(page: Page): Promise<Violation[]> {
  await page.addScriptTag({ content: AXE });
  return page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run(o: unknown): Promise<{ violations: Violation[] }> } }).axe;
    const r = await axe.run({
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] },
    });
    return r.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      nodes: v.nodes.map((n) => ({ target: n.target })),
    }));
  });
}

describe.skipIf(!hasChromium)('the operator console is accessible', () => {
  const demo = useDemo();

  it('has no axe violations on the sign-in page and the desk, light and dark, at 1280 px and on a tablet', async () => {
    const alice = await signIn(demo.server, 'cus_alice');
    alice.send({ type: 'message', clientId: 'c_a11y_000001', text: 'I want to talk to a person' });
    await alice.next('message', (f) => f.role === 'status');
    // axe is injected inline, which the console's own CSP rightly refuses.
    const context = await demo.browser.newContext({
      viewport: { width: 1280, height: 800 },
      bypassCSP: true,
    });
    const page = await context.newPage();
    try {
      await page.goto(`${demo.server.url}/console`);
      await page.getByRole('button', { name: 'Sign in' }).waitFor();
      expect(await violations(page)).toEqual([]);
      await page.getByRole('textbox', { name: 'Email' }).fill('sam@northwind.example');
      await page.getByRole('textbox', { name: 'Password' }).fill('deputy-demo-sam');
      await page.keyboard.press('Enter');
      // Keyboard only: Tab to the queue tab, arrows between tabs, Enter on a conversation.
      const queue = page.getByRole('tab', { name: /Queue/ });
      await queue.waitFor();
      await queue.focus();
      await page.keyboard.press('ArrowRight');
      expect(await page.getByRole('tab', { name: /Mine/ }).getAttribute('aria-selected')).toBe('true');
      await page.keyboard.press('ArrowLeft');
      const row = page.getByRole('tabpanel').getByRole('button', { name: /Alice Martin/ });
      await row.focus();
      await page.keyboard.press('Enter');
      await page.getByRole('button', { name: 'Take over' }).waitFor();
      await page.getByRole('heading', { name: 'Customer' }).waitFor();
      await page.getByText('Order #5512 arrived damaged').waitFor();
      for (const scheme of ['light', 'dark'] as const) {
        await page.emulateMedia({ colorScheme: scheme });
        expect(await violations(page), scheme).toEqual([]);
      }
      await page.setViewportSize({ width: 820, height: 1180 });
      expect(await violations(page), 'tablet').toEqual([]);
      await page.screenshot({ path: `${SHOTS}/console-tablet.png` });
    } finally {
      await context.close();
      alice.close();
    }
  });
});
