// The server restarts mid-conversation (docs/architecture.md §9): the widget says so, reconnects to
// the new process on the same database, delivers what was typed meanwhile, and loses or repeats
// nothing, in every engine.
import { expect, it } from 'vitest';
import { startServer } from '../helpers/server.js';
import { describeEngines } from './engines.js';
import { ask, INPUT, LAUNCHER, openChat, REPLY, rows, textOf, until } from './widget-page.js';

describeEngines('server restart mid-conversation', (run) => {
  it('reconnects, delivers the message typed while down exactly once, and keeps the history', async () => {
    const page = await run.engine.newPage();
    await openChat(page, `${run.server.url}/?as=alice`);
    await ask(page, "What's the status of ticket T-1001?");

    const { dataDir, port } = run.server;
    await run.server.close(); // sockets are closed with 1012
    await until(
      page,
      'the reconnecting status',
      () => textOf(page, '.status'),
      (t) => t === 'Reconnecting…',
      5_000,
    );

    await page.fill(INPUT, "What's the status of ticket T-1002?");
    await page.press('Enter');
    await until(
      page,
      'a pending row',
      () => rows(page, '.row.pending'),
      (r) => r.length === 1 && r[0] === "What's the status of ticket T-1002?",
    );

    run.server = await startServer({ dataDir, port });
    // Backoff with jitter while the port was closed: up to ~8 s before the next attempt.
    await until(
      page,
      'the status cleared',
      () => textOf(page, '.status'),
      (t) => t === '',
      30_000,
    );
    await until(
      page,
      'two replies',
      () => rows(page, REPLY),
      (r) => r.length === 2,
    );
    expect((await rows(page, '.row.assistant:not(.greeting)'))[1]).toMatch(/solved|T-1002/i);

    const expected = ["What's the status of ticket T-1001?", "What's the status of ticket T-1002?"];
    expect(await rows(page, '.row.visitor')).toEqual(expected);

    // What the server stored: forget the local copy but keep the conversation id, and replay it all.
    await page.evaluate(() => {
      for (const key of Object.keys(localStorage).filter((k) => k.startsWith('deputy:v1:'))) {
        const saved = JSON.parse(localStorage.getItem(key) ?? '{}');
        localStorage.setItem(
          key,
          JSON.stringify({ conversationId: saved.conversationId, lastSeq: 0, messages: [], outbox: [] }),
        );
      }
    }, null);
    await page.reload();
    await page.click(LAUNCHER);
    await until(
      page,
      'the replayed history',
      () => rows(page, '.row.visitor'),
      (r) => r.join('|') === expected.join('|'),
    );
    expect(await rows(page, '.row.assistant:not(.greeting)')).toHaveLength(2);
    await page.close();
  }, 60_000);
});
