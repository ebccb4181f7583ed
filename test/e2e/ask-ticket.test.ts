import { describe, expect, it } from 'vitest';
import { hasChromium, useDemo, widget } from './browser.js';

describe.skipIf(!hasChromium)('asking about a ticket in the demo store', () => {
  const demo = useDemo();

  async function askAs(who: 'alice' | 'bob'): Promise<string> {
    const page = await demo.browser.newPage();
    try {
      await page.goto(`${demo.server.url}/?as=${who}`);
      const w = widget(page);
      await w.launcher.click();
      await w.input.fill("What's the status of ticket T-1001?");
      await w.input.press('Enter');
      const reply = w.log.locator('.row.assistant:not(.greeting):not(.streaming)').last();
      await reply.waitFor({ timeout: 15_000 });
      return (await reply.textContent())?.trim() ?? '';
    } finally {
      await page.close();
    }
  }

  it('shows Alice the status of her own ticket', async () => {
    const reply = await askAs('alice');
    expect(reply).toMatch(/\bopen\b/i);
    expect(reply).toContain('T-1001');
  });

  it("does not reveal Alice's ticket to Bob", async () => {
    const reply = await askAs('bob');
    expect(reply).not.toContain('Order #5512');
    expect(reply).not.toMatch(/damaged/i);
    expect(reply).toMatch(/not find|couldn't find|not found|no ticket/i);
  });
});
