/**
 * The widget as a visitor meets it, over the driver seam: its controls by accessible name and the
 * conversation as text, read through the open shadow root of <deputy-chat>. Engine-independent.
 */
import type { E2EPage, Target } from './drivers/types.js';
import { pollUntil, waitForFunction } from './drivers/wait.js';

export const LAUNCHER: Target = { role: 'button', name: 'Open chat' };
export const INPUT: Target = { role: 'textbox', name: 'Message' };
export const SEND: Target = { role: 'button', name: 'Send' };
export const REPLY = '.row.assistant:not(.greeting):not(.streaming)';

/** The text of each row matching `selector` in the widget's log (the bubble's text, trimmed). */
export function rows(page: E2EPage, selector: string): Promise<string[]> {
  return page.evaluate(
    (sel) =>
      [...(document.querySelector('deputy-chat')?.shadowRoot?.querySelectorAll(sel) ?? [])].map(
        (e) => (e.querySelector('[dir="auto"]') ?? e).textContent?.trim() ?? '',
      ),
    selector,
  );
}

/** How many elements match `selector` inside the widget. */
export function count(page: E2EPage, selector: string): Promise<number> {
  return page.evaluate(
    (sel) => document.querySelector('deputy-chat')?.shadowRoot?.querySelectorAll(sel).length ?? 0,
    selector,
  );
}

/** The trimmed text of the last element matching `selector` inside the widget ('' if none). */
export function textOf(page: E2EPage, selector: string): Promise<string> {
  return page.evaluate((sel) => {
    const all = document.querySelector('deputy-chat')?.shadowRoot?.querySelectorAll(sel);
    return all?.[all.length - 1]?.textContent?.trim() ?? '';
  }, selector);
}

/** Polls `probe` until `done` holds (15 s by default) and returns the last value. */
export function until<T>(
  page: E2EPage,
  what: string,
  probe: () => Promise<T>,
  done: (v: T) => boolean,
  timeout?: number,
) {
  return pollUntil(page, what, probe, done, timeout);
}

/** Opens the demo as `who` and the chat panel, waiting for the message box. */
export async function openChat(page: E2EPage, url: string): Promise<void> {
  await page.goto(url);
  await page.click(LAUNCHER);
  await waitForFunction(
    page,
    () => Boolean(document.querySelector('deputy-chat')?.shadowRoot?.querySelector('textarea')),
    null,
  );
}

/** Sends a message through the UI and waits until the reply to it is complete; returns its text. */
export async function ask(page: E2EPage, text: string, timeout = 15_000): Promise<string> {
  const before = await count(page, REPLY);
  await page.fill(INPUT, text);
  await page.click(SEND);
  await until(
    page,
    `a reply to "${text}"`,
    () => count(page, REPLY),
    (n) => n > before,
    timeout,
  );
  return textOf(page, REPLY);
}
