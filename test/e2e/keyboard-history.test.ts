// A keyboard-only visitor can chat, and a reload keeps the conversation (no duplicates), in every engine.
import { expect, it } from 'vitest';
import type { E2EPage } from './drivers/types.js';
import { describeEngines } from './engines.js';
import { box, focused, LAUNCHER, REPLY, rows, until } from './widget-page.js';

const inputValue = (page: E2EPage) =>
  page.evaluate(
    () =>
      (
        document
          .querySelector('deputy-chat')
          ?.shadowRoot?.querySelector('textarea') as HTMLTextAreaElement | null
      )?.value ?? null,
    null,
  );

describeEngines('keyboard and reload', (run) => {
  let page: E2EPage;

  it('works with the keyboard alone: Tab to the launcher, Enter, type, Shift+Enter, Enter, Esc', async () => {
    page = await run.engine.newPage();
    await page.goto(`${run.server.url}/?as=alice`);
    await until(page, 'the launcher', () => box(page, '.launcher'), Boolean);
    let steps = 0;
    while ((await focused(page)) !== 'button:Open chat' && steps++ < 40) await page.press('Tab');
    expect(await focused(page)).toBe('button:Open chat');

    await page.press('Enter');
    await until(
      page,
      'focus in the message box',
      () => focused(page),
      (f) => f === 'textarea:Message',
    );

    await page.type('Hello');
    await page.press('Shift+Enter');
    await page.type("What's the status of ticket T-1001?");
    expect(await inputValue(page)).toBe("Hello\nWhat's the status of ticket T-1001?");
    await page.press('Enter');
    await until(
      page,
      'an empty message box',
      () => inputValue(page),
      (v) => v === '',
    );
    await until(
      page,
      'one reply',
      () => rows(page, REPLY),
      (r) => r.length === 1,
    );
    expect((await rows(page, '.row.assistant:not(.greeting)'))[0]).toMatch(/open/i);

    await page.press('Tab');
    expect(await focused(page)).toBe('button:Send');
    await page.press('Escape');
    await until(
      page,
      'focus back on the launcher',
      () => focused(page),
      (f) => f === 'button:Open chat',
    );
    await until(
      page,
      'the log hidden',
      () => box(page, '[role="log"]'),
      (b) => !b || b.width === 0,
    );
  });

  it('shows the same conversation after a reload, once, and carries on in it', async () => {
    const before = await rows(page, '.row:not(.greeting)');
    expect(before).toHaveLength(2);
    await page.reload();
    await page.click(LAUNCHER);
    await until(
      page,
      'the same history',
      () => rows(page, '.row:not(.greeting)'),
      (r) => r.join('|') === before.join('|'),
    );

    // Typed keys go to the focused element: wait until the reopened panel has focused the box.
    await until(
      page,
      'focus in the message box',
      () => focused(page),
      (f) => f === 'textarea:Message',
    );
    await page.type('Thanks!');
    await page.press('Enter');
    await until(
      page,
      'a second reply',
      () => rows(page, REPLY),
      (r) => r.length === 2,
    );
    // Nothing replayed twice by the resume after the reload.
    expect(await rows(page, '.row.visitor')).toEqual([
      "Hello\nWhat's the status of ticket T-1001?",
      'Thanks!',
    ]);
    await page.close();
  });
});
