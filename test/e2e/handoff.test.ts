import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { OperatorStore } from '../../server/console/operators.js';
import { ask, hasChromium, useDemo, widget } from './browser.js';

// DEPUTY_SCREENSHOTS=1 refreshes the committed screenshots; ordinary runs write to test-results/.
const SHOTS = process.env.DEPUTY_SCREENSHOTS === '1' ? 'docs/screenshots' : 'test-results/screenshots';

const SAM = { email: 'sam@northwind.example', password: 'deputy-demo-sam' };
const KIM = { email: 'kim@northwind.example', password: 'kim-correct-horse' };

/** Signs an operator in to /console through the sign-in page, in a browser context of their own. */
async function operator(demo: ReturnType<typeof useDemo>, who: { email: string; password: string }) {
  const context = await demo.browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  await page.goto(`${demo.server.url}/console`);
  await page.getByRole('textbox', { name: 'Email' }).fill(who.email);
  await page.getByRole('textbox', { name: 'Password' }).fill(who.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('tab', { name: /Queue/ }).waitFor();
  return page;
}

async function visitor(demo: ReturnType<typeof useDemo>, as: 'alice' | 'bob') {
  const context = await demo.browser.newContext();
  const page = await context.newPage();
  await page.goto(`${demo.server.url}/?as=${as}`);
  await widget(page).launcher.click();
  return page;
}

async function say(page: Page, text: string) {
  const w = widget(page);
  await w.input.fill(text);
  await w.input.press('Enter');
}

describe.skipIf(!hasChromium)('a person behind the bot', () => {
  const demo = useDemo();

  // Three browser contexts and a server on a shared two-core machine: more than the default 30 s.
  it('queues Alice for Sam, who takes over, chats live, and hands back to the bot', {
    timeout: 90_000,
  }, async () => {
    const sam = await operator(demo, SAM);
    const alice = await visitor(demo, 'alice');
    try {
      await say(alice, 'I want to talk to a person');
      await widget(alice)
        .log.getByText(/Waiting for a person — about \d+ min/)
        .waitFor();
      const queued = Date.now();
      const row = sam.getByRole('tabpanel').getByRole('button', { name: /Alice Martin/ });
      await row.waitFor({ timeout: 2000 });
      expect(Date.now() - queued).toBeLessThan(2000);
      await row.click();
      await sam.getByText('The visitor asked for a person.', { exact: false }).waitFor();
      await sam.getByRole('button', { name: 'Take over' }).click();
      await widget(alice).log.getByText('Sam joined the conversation').waitFor();

      await sam.getByRole('textbox', { name: 'Reply' }).fill('Hi Alice, this is Sam. How can I help?');
      await sam.getByRole('button', { name: 'Send' }).click();
      await widget(alice).log.getByText('Hi Alice, this is Sam. How can I help?').waitFor();
      expect(await widget(alice).log.locator('.who').last().textContent()).toBe('Sam');

      const bot = widget(alice).log.locator('.row.assistant:not(.greeting):not(.streaming)');
      const botBefore = await bot.count();
      await say(alice, 'What is the status of ticket T-1001?');
      await sam
        .getByRole('list', { name: 'Transcript' })
        .getByText('What is the status of ticket T-1001?')
        .waitFor();
      // Stored and delivered; the bot took no turn (its reply would be stored before Sam saw the message).
      const last = await demo.server.app.deputy.store.db
        .selectFrom('messages')
        .select('role')
        .orderBy('created_at', 'desc')
        .orderBy('seq', 'desc')
        .executeTakeFirst();
      expect(last?.role).toBe('visitor');
      expect(await bot.count()).toBe(botBefore);

      await sam.screenshot({ path: `${SHOTS}/console-light.png` });
      await sam.emulateMedia({ colorScheme: 'dark' });
      await sam.screenshot({ path: `${SHOTS}/console-dark.png` });
      await sam.emulateMedia({ colorScheme: 'light' });

      await sam.getByRole('button', { name: 'Hand back to bot' }).click();
      await widget(alice).log.getByText('Sam handed you back to the assistant').waitFor();
      const reply = await ask(alice, "What's the status of ticket T-1002?");
      expect(await reply.textContent()).toContain('solved');
    } finally {
      await sam.context().close();
      await alice.context().close();
    }
  });

  it('gives a racing take-over to exactly one of two operators', { timeout: 90_000 }, async () => {
    await new OperatorStore(demo.server.app.deputy.store.db).add({
      siteId: 'demo',
      email: KIM.email,
      name: 'Kim',
      role: 'agent',
      password: KIM.password,
    });
    const [sam, kim] = await Promise.all([operator(demo, SAM), operator(demo, KIM)]);
    const bob = await visitor(demo, 'bob');
    try {
      await say(bob, 'let me talk to a human please');
      for (const op of [sam, kim]) {
        const row = op.getByRole('tabpanel').getByRole('button', { name: /Bob Chen/ });
        await row.click({ timeout: 5000 });
        await op.getByRole('button', { name: 'Take over' }).waitFor();
      }
      await Promise.all([
        sam.getByRole('button', { name: 'Take over' }).click(),
        kim.getByRole('button', { name: 'Take over' }).click(),
      ]);
      await widget(bob)
        .log.getByText(/(Sam|Kim) joined the conversation/)
        .waitFor();
      const owners = await Promise.all(
        [sam, kim].map(async (p) => {
          await p
            .getByRole('button', { name: 'Hand back to bot' })
            .or(p.getByText(/has this conversation/))
            .first()
            .waitFor();
          return p.getByRole('button', { name: 'Hand back to bot' }).count();
        }),
      );
      expect(owners.sort()).toEqual([0, 1]);
      expect(
        await widget(bob)
          .log.getByText(/joined the conversation/)
          .count(),
      ).toBe(1);
    } finally {
      await Promise.all([sam, kim, bob].map((p) => p.context().close()));
    }
  });

  it('tells Alice honestly when nobody is online and offers a ticket', async () => {
    const alice = await visitor(demo, 'alice');
    await say(alice, 'can I speak to someone real');
    await widget(alice)
      .log.getByText(/Nobody from our team is available right now/)
      .waitFor();
    await widget(alice)
      .log.getByText(/What should I tell them\?/)
      .waitFor();
    await alice.context().close();
  });
});
