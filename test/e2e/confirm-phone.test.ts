// Issue 5 + docs/architecture.md §1.2: a write needs the visitor's click on a confirm card showing the server's summary.
import { mkdirSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { ask, hasChromium, useDemo, widget } from './browser.js';

// DEPUTY_SCREENSHOTS=1 refreshes the committed screenshot; ordinary runs write to test-results/.
const SHOTS = process.env.DEPUTY_SCREENSHOTS === '1' ? 'docs/screenshots' : 'test-results/screenshots';

describe.skipIf(!hasChromium)('changing a phone number through the confirm card', () => {
  const demo = useDemo();

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
  });

  it('asks before writing, writes once after Confirm, and the reply says it was updated', async () => {
    const page = await demo.browser.newPage({ viewport: { width: 1280, height: 800 } });
    await page.goto(`${demo.server.url}/?as=alice`);
    const w = widget(page);
    await w.launcher.click();
    await w.input.fill('change my phone to +44 20 7946 0000');
    await w.send.click();

    const card = page.locator('deputy-chat').locator('fieldset.card');
    await card.waitFor({ timeout: 15_000 });
    expect(await card.locator('.summary').textContent()).toMatch(/\+44 20 7946 0000/);
    await page.screenshot({ path: `${SHOTS}/confirm.png` });
    const confirm = card.getByRole('button', { name: 'Confirm', exact: true });
    const cancel = card.getByRole('button', { name: 'Cancel', exact: true });
    await confirm.click();
    expect(await confirm.isDisabled()).toBe(true);
    expect(await cancel.isDisabled()).toBe(true);
    await expect
      .poll(
        () =>
          card
            .locator('.outcome')
            .textContent()
            .catch(() => ''),
        { timeout: 15_000 },
      )
      .toBe('Confirmed');

    const replies = w.log.locator('.row.assistant:not(.greeting):not(.streaming)');
    await expect
      .poll(() => replies.last().textContent(), { timeout: 15_000 })
      .toMatch(/updated|changed|is now/i);

    // The CRM really has the new number: ask for it.
    const contact = await ask(page, "What's my phone number?");
    expect((await contact.textContent())?.replace(/\s/g, '')).toContain('+442079460000');
    await page.close();
  });

  it('keeps a pending card through a reload, once, and Confirm still works', async () => {
    const page = await demo.browser.newPage({ viewport: { width: 1280, height: 800 } });
    await page.goto(`${demo.server.url}/?as=alice`);
    const w = widget(page);
    await w.launcher.click();
    await w.input.fill('change my phone to +44 20 7946 0111');
    await w.send.click();
    const cards = page.locator('deputy-chat').locator('fieldset.card');
    await cards.first().waitFor({ timeout: 15_000 });

    await page.reload(); // before clicking
    await widget(page).launcher.click();
    await cards.first().waitFor({ timeout: 15_000 });
    // The history is replayed, then the still-pending card is sent again: it shows once.
    await expect.poll(() => w.log.locator('.row.visitor').count()).toBe(1);
    expect(await cards.count()).toBe(1);
    const card = cards.first();
    expect(await card.locator('.summary').textContent()).toMatch(/\+44 20 7946 0111/);
    await card.getByRole('button', { name: 'Confirm', exact: true }).click();
    await expect
      .poll(
        () =>
          card
            .locator('.outcome')
            .textContent()
            .catch(() => ''),
        { timeout: 15_000 },
      )
      .toBe('Confirmed');
    const contact = await ask(page, "What's my phone number?");
    expect((await contact.textContent())?.replace(/\s/g, '')).toContain('+442079460111');
    expect(await cards.count()).toBe(1);
    await page.close();
  });
});
