/**
 * The operator console as Sam meets it, over the driver seam: sign in, the queue, a conversation and
 * its transcript, found by accessible role and name where the name is fixed and read as text where it
 * carries live counts ("Queue 1", "Alice Martin Waiting · waiting 3s"). Engine-independent.
 */
import type { E2EPage, Target } from './drivers/types.js';
import { pollUntil } from './drivers/wait.js';

export const SAM = { email: 'sam@northwind.example', password: 'deputy-demo-sam', name: 'Sam' } as const;
export const EMAIL: Target = { role: 'textbox', name: 'Email' };
export const PASSWORD: Target = { role: 'textbox', name: 'Password' };
export const SIGN_IN: Target = { role: 'button', name: 'Sign in' };
export const TAKE_OVER: Target = { role: 'button', name: 'Take over' };
export const REPLY_BOX: Target = { role: 'textbox', name: 'Reply' };
export const SEND_REPLY: Target = { role: 'button', name: 'Send' };

/** The accessible names of the console's tabs ("Queue 1", "Mine 0", "All 1"), whitespace collapsed. */
export function tabs(page: E2EPage): Promise<string[]> {
  return page.evaluate(
    () =>
      [...document.querySelectorAll('[role="tab"]')].map(
        (t) => t.textContent?.replace(/\s+/g, ' ').trim() ?? '',
      ),
    null,
  );
}

/** Opens /console and signs in through its form; resolves once the desk shows its "Queue" tab. */
export async function signInConsole(page: E2EPage, base: string, who = SAM): Promise<void> {
  await page.goto(`${base}/console`);
  await page.fill(EMAIL, who.email);
  await page.fill(PASSWORD, who.password);
  await page.click(SIGN_IN);
  await pollUntil(
    page,
    'the "Queue" tab after signing in',
    () => tabs(page),
    (t) => t.some((n) => /^Queue\b/.test(n)),
  );
}

/** The names of the conversations listed under the selected tab, in order. */
export function listed(page: E2EPage): Promise<string[]> {
  return page.evaluate(
    () =>
      [...document.querySelectorAll('[role="tabpanel"] button.item .name')].map(
        (n) => n.textContent?.trim() ?? '',
      ),
    null,
  );
}

/**
 * Waits until `customer` is listed under the selected tab and opens it. The row's accessible name
 * changes every second (the wait), so it is clicked by position once found by its customer's name.
 */
export async function openConversation(page: E2EPage, customer: string, timeout = 15_000): Promise<void> {
  const names = await pollUntil(
    page,
    `"${customer}" in the list`,
    () => listed(page),
    (n) => n.includes(customer),
    timeout,
  );
  const row = `[role="tabpanel"] li:nth-child(${names.indexOf(customer) + 1}) > button.item`;
  await page.click({ css: row });
  await pollUntil(
    page,
    `the conversation of "${customer}"`,
    () => page.evaluate(() => document.getElementById('conversation-title')?.textContent?.trim() ?? '', null),
    (t) => t === customer,
  );
}

/** The text of every line of the open conversation's transcript (bubbles: the message only). */
export function transcript(page: E2EPage): Promise<string[]> {
  return page.evaluate(
    () =>
      [...document.querySelectorAll('ol[aria-label="Transcript"] > li')].map(
        (li) => (li.querySelector('p') ?? li).textContent?.trim() ?? '',
      ),
    null,
  );
}

/** The conversation's state line ("Waiting in the queue", "Owned by you", …). */
export function stateLine(page: E2EPage): Promise<string> {
  return page.evaluate(() => document.querySelector('.conversation .state')?.textContent?.trim() ?? '', null);
}

/** The customer panel's record as "Name: …" lines; empty while it is still loading. */
export function customerRecord(page: E2EPage): Promise<string[]> {
  return page.evaluate(
    () =>
      [...document.querySelectorAll('aside.customer dl dt')].map(
        (dt) => `${dt.textContent?.trim()}: ${dt.nextElementSibling?.textContent?.trim() ?? ''}`,
      ),
    null,
  );
}

/** The customer panel's tickets as "T-1001 Order #5512 arrived damaged open" lines. */
export function customerTickets(page: E2EPage): Promise<string[]> {
  return page.evaluate(
    () =>
      [...document.querySelectorAll('aside.customer .tickets li')].map(
        (li) => li.textContent?.replace(/\s+/g, ' ').trim() ?? '',
      ),
    null,
  );
}
