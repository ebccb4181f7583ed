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

const NOTE_BOX = { role: 'checkbox', name: 'Private note' } as const;
/** How the "Private note" box is drawn: by the console (appearance none), and dark or light inside. */
const noteBox = (page: E2EPage) =>
  page.evaluate(() => {
    const box = document.querySelector<HTMLInputElement>('.composer input[type="checkbox"]');
    if (!box) return null;
    const style = getComputedStyle(box);
    const [r = 0, g = 0, b = 0] = (style.backgroundColor.match(/\d+(\.\d+)?/g) ?? []).map(Number);
    return {
      appearance: style.getPropertyValue('appearance') || style.getPropertyValue('-webkit-appearance'),
      checked: box.checked,
      dark: (0.2126 * r + 0.7152 * g + 0.0722 * b) / 255 < 0.25,
    };
  }, null);

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
    } finally {
      await Promise.allSettled(pages.map((p) => p.close()));
    }
  });

  // Continues the conversation above: Sam's second session, on a page that prefers dark.
  it('WebKit: draws the unchecked "Private note" box dark in dark mode (it painted it solid white)', async () => {
    const dark = await run.engine.newPage({ width: 1280, height: 800, colorScheme: 'dark' });
    try {
      await signInConsole(dark, run.server.url);
      await dark.click({ css: '#tab-Mine' });
      await openConversation(dark, 'Alice Martin');
      await recordShown(dark);
      expect(await noteBox(dark)).toEqual({ appearance: 'none', checked: false, dark: true });
      await dark.screenshot(shotPath(dark, 'console-dark'));
      await dark.click(NOTE_BOX);
      expect(await noteBox(dark)).toEqual({ appearance: 'none', checked: true, dark: false });
    } finally {
      await dark.close();
    }
  });
});
