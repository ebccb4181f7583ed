// Leaving the page with back/forward navigation and returning (docs/architecture.md §9: reconnect on
// `pageshow`): restored from the back/forward cache or reloaded, the widget reconnects, resumes the
// conversation without a duplicate, and answers the next question, in every engine.
import { expect, it } from 'vitest';
import type { E2EPage } from './drivers/types.js';
import { describeEngines } from './engines.js';
import { ask, box, LAUNCHER, openChat, rows, textOf, until } from './widget-page.js';

// Another site: a plain page (Firefox shows /healthz in its JSON viewer, a privileged page).
const AWAY = 'data:text/html,<title>Away</title><p>Another site</p>';

/** Marks this document: the mark survives only if the page comes back from the back/forward cache. */
const mark = (page: E2EPage) =>
  page.evaluate(() => {
    (window as unknown as { __deputyMark?: boolean }).__deputyMark = true;
  }, null);
const restored = (page: E2EPage) =>
  page.evaluate(() => (window as unknown as { __deputyMark?: boolean }).__deputyMark === true, null);

/** Back on the demo: open the panel if a reload closed it, and wait for the widget to be connected. */
async function returned(page: E2EPage): Promise<boolean> {
  await until(
    page,
    'the demo page again',
    () => page.url(),
    (u) => u.includes('/?as=alice'),
  );
  await until(page, 'the widget', () => box(page, '.launcher'), Boolean);
  const cached = await restored(page);
  const open = await page.evaluate(
    () => document.querySelector('deputy-chat')?.hasAttribute('data-open') ?? false,
    null,
  );
  if (!open) await page.click(LAUNCHER);
  await until(
    page,
    'a connected widget',
    () => textOf(page, '.status'),
    (t) => t === '',
  );
  return cached;
}

describeEngines('back/forward navigation', (run) => {
  it('returns to the conversation after leaving and coming back, and carries on in it', async () => {
    const page = await run.engine.newPage();
    await openChat(page, `${run.server.url}/?as=alice`);
    await ask(page, "What's the status of ticket T-1001?");
    const before = await rows(page, '.row:not(.greeting)');
    await mark(page);

    await page.goto(AWAY);
    await page.back();
    const cached = await returned(page);
    console.info(
      `[e2e] ${run.name}: back navigation ${cached ? 'restored the page from the bfcache' : 'reloaded the page'}`,
    );
    expect(await rows(page, '.row:not(.greeting)')).toEqual(before);

    // The socket is live again: a new question is answered, and nothing is duplicated.
    await ask(page, "What's the status of ticket T-1002?");
    await page.forward();
    await until(
      page,
      'the other page',
      () => page.url(),
      (u) => u === AWAY,
    );
    await page.back();
    await returned(page);
    const visitor = await rows(page, '.row.visitor');
    expect(visitor).toEqual(["What's the status of ticket T-1001?", "What's the status of ticket T-1002?"]);
    expect(await rows(page, '.row.assistant:not(.greeting):not(.streaming)')).toHaveLength(2);
    await page.close();
  });
});
