// The operator console's main path in every engine (docs/architecture.md §10): Sam signs in, sees
// Alice under "Queue" once she asks for a person, takes over, and the two talk live both ways.
import { expect, it } from 'vitest';
import {
  customerRecord,
  customerTickets,
  openConversation,
  REPLY_BOX,
  SAM,
  SEND_REPLY,
  signInConsole,
  stateLine,
  TAKE_OVER,
  transcript,
} from './console-page.js';
import type { E2EPage } from './drivers/types.js';
import { describeEngines } from './engines.js';
import { INPUT, openChat, rows, SEND, shotPath, until } from './widget-page.js';

/** The widget's handoff lines ("Sam joined the conversation"). */
const notices = (page: E2EPage) => rows(page, '.notice.handoff');
/** What the widget shows of a person's messages: "Sam: text" (the bubble's name and its text). */
const fromPeople = (page: E2EPage) =>
  page.evaluate(
    () =>
      [
        ...(document.querySelector('deputy-chat')?.shadowRoot?.querySelectorAll('.row.assistant') ?? []),
      ].flatMap((r) => {
        const who = r.querySelector('.who')?.textContent?.trim();
        return who ? [`${who}: ${r.querySelector('[dir="auto"]')?.textContent?.trim() ?? ''}`] : [];
      }),
    null,
  );

/** Waits for Alice's CRM record in the customer panel, so a screenshot never catches "Loading…". */
const recordShown = (page: E2EPage) =>
  until(
    page,
    "Alice's record",
    () => customerRecord(page),
    (r) => r.includes('Name: Alice Martin'),
  );

async function say(page: E2EPage, text: string): Promise<void> {
  await page.fill(INPUT, text);
  await page.click(SEND);
}

describeEngines('the operator console main path', (run) => {
  it('signs Sam in, queues Alice, takes over, and carries a reply each way', async () => {
    const pages: E2EPage[] = [];
    try {
      // Sam first: a visitor is only queued for a person while an operator has the console open.
      const sam = await run.engine.newPage({ width: 1280, height: 800 });
      pages.push(sam);
      await signInConsole(sam, run.server.url);
      const alice = await run.engine.newPage({ width: 1280, height: 800 });
      pages.push(alice);
      await openChat(alice, `${run.server.url}/?as=alice`);
      await say(alice, 'I want to talk to a person');
      await until(
        alice,
        'the waiting notice',
        () => notices(alice),
        (n) => n.some((t) => /Waiting for a person/.test(t)),
      );

      await openConversation(sam, 'Alice Martin');
      expect(await stateLine(sam)).toBe('Waiting in the queue');
      await sam.click(TAKE_OVER);
      await until(
        alice,
        '"Sam joined the conversation"',
        () => notices(alice),
        (n) => n.includes('Sam joined the conversation'),
      );
      await until(
        sam,
        'ownership',
        () => stateLine(sam),
        (s) => s === 'Owned by you',
      );

      const hello = `Hi Alice, this is Sam in ${run.name}. How can I help?`;
      await sam.fill(REPLY_BOX, hello);
      await sam.click(SEND_REPLY);
      await until(
        alice,
        "Sam's reply",
        () => fromPeople(alice),
        (m) => m.includes(`${SAM.name}: ${hello}`),
      );

      const answer = `Thanks Sam, my order never arrived (${run.name})`;
      await say(alice, answer);
      await until(
        sam,
        "Alice's answer in the transcript",
        () => transcript(sam),
        (t) => t.includes(answer),
      );
      // The bot stayed silent while Sam owns the conversation: only Sam's line answers Alice.
      expect(await fromPeople(alice)).toEqual([`${SAM.name}: ${hello}`]);
      await recordShown(sam);
      // Each ticket under its id, as the visitor knows it (the id was blank before).
      expect(await customerTickets(sam)).toContain('T-1001 Order #5512 arrived damaged open');
      await sam.screenshot(shotPath(sam, 'console-light'));

      // The same desk in dark mode: a second session of Sam's, on a page that prefers dark.
      const dark = await run.engine.newPage({ width: 1280, height: 800, colorScheme: 'dark' });
      pages.push(dark);
      await signInConsole(dark, run.server.url);
      await dark.click({ css: '#tab-Mine' });
      await openConversation(dark, 'Alice Martin');
      await until(
        dark,
        'the transcript in dark mode',
        () => transcript(dark),
        (t) => t.includes(answer),
      );
      await recordShown(dark);
      await dark.screenshot(shotPath(dark, 'console-dark'));
    } finally {
      await Promise.allSettled(pages.map((p) => p.close()));
    }
  });
});
