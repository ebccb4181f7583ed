// A write needs the visitor's click on a confirm card showing the server's summary
// (docs/architecture.md §4): accepted once, declined once, and kept through a reload, in every engine.
import { expect, it } from 'vitest';
import type { E2EPage } from './drivers/types.js';
import { describeEngines } from './engines.js';
import { ask, count, INPUT, openChat, REPLY, rows, SEND, shotPath, textOf, until } from './widget-page.js';

const CONFIRM = { role: 'button', name: 'Confirm' } as const;
const CANCEL = { role: 'button', name: 'Cancel' } as const;

/** Asks for a phone change and waits for the card; returns its summary. */
async function requestChange(page: E2EPage, phone: string): Promise<string> {
  await page.fill(INPUT, `change my phone to ${phone}`);
  await page.click(SEND);
  return until(
    page,
    'a confirm card',
    () => textOf(page, 'fieldset.card .summary'),
    (t) => t.length > 0,
  );
}

const outcome = (page: E2EPage) =>
  until(page, 'the card outcome', () => textOf(page, 'fieldset.card .outcome'), Boolean);
const phoneOnFile = async (page: E2EPage) => (await ask(page, "What's my phone number?")).replace(/\s/g, '');
const disabled = (page: E2EPage) =>
  page.evaluate(
    () =>
      [
        ...(document.querySelector('deputy-chat')?.shadowRoot?.querySelectorAll('fieldset.card button') ??
          []),
      ].map((b) => (b as HTMLButtonElement).disabled),
    null,
  );

describeEngines('changing a phone number through the confirm card', (run) => {
  it('asks before writing, writes once after Confirm, and the reply says it was updated', async () => {
    const page = await run.engine.newPage({ width: 1280, height: 800 });
    await openChat(page, `${run.server.url}/?as=alice`);
    expect(await requestChange(page, '+44 20 7946 0000')).toMatch(/\+44 20 7946 0000/);
    await page.screenshot(shotPath(page, 'confirm'));
    await page.click(CONFIRM);
    await until(
      page,
      'both buttons disabled',
      () => disabled(page),
      (d) => d.length === 2 && d.every(Boolean),
    );
    expect(await outcome(page)).toBe('Confirmed');
    await until(
      page,
      'the reply to the change',
      () => textOf(page, REPLY),
      (t) => /updated|changed|is now/i.test(t),
    );
    // The CRM really has the new number: ask for it.
    expect(await phoneOnFile(page)).toContain('+442079460000');
    await page.close();
  });

  it('writes nothing when the visitor declines', async () => {
    const page = await run.engine.newPage({ width: 1280, height: 800 });
    await openChat(page, `${run.server.url}/?as=alice`);
    await requestChange(page, '+44 20 7946 0222');
    await page.click(CANCEL);
    expect(await outcome(page)).toBe('Cancelled');
    await until(
      page,
      'both buttons disabled',
      () => disabled(page),
      (d) => d.length === 2 && d.every(Boolean),
    );
    const phone = await phoneOnFile(page);
    expect(phone).not.toContain('+442079460222');
    expect(phone).toContain('+442079460000');
    await page.close();
  });

  it('keeps a pending card through a reload, once, and Confirm still works', async () => {
    const page = await run.engine.newPage({ width: 1280, height: 800 });
    await openChat(page, `${run.server.url}/?as=alice`);
    await requestChange(page, '+44 20 7946 0111');
    // A signed-in visitor continues their latest conversation (docs/scaling.md, "Continuity"), so
    // the earlier tests' messages are there too: the reload must show each of them once.
    const visitorRows = (await rows(page, '.row.visitor')).length;
    await page.reload(); // before clicking
    await page.click({ role: 'button', name: 'Open chat' });
    await until(
      page,
      'the card again',
      () => textOf(page, 'fieldset.card .summary'),
      (t) => t.length > 0,
    );
    // The history is replayed, then the still-pending card is sent again: it shows once.
    await until(
      page,
      `the same ${visitorRows} visitor rows`,
      () => rows(page, '.row.visitor'),
      (r) => r.length === visitorRows,
    );
    expect(await count(page, 'fieldset.card')).toBe(1);
    expect(await textOf(page, 'fieldset.card .summary')).toMatch(/\+44 20 7946 0111/);
    await page.click(CONFIRM);
    expect(await outcome(page)).toBe('Confirmed');
    expect(await phoneOnFile(page)).toContain('+442079460111');
    expect(await count(page, 'fieldset.card')).toBe(1);
    await page.close();
  });
});
