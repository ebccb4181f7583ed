/**
 * The widget as a visitor meets it, over the driver seam: its controls by accessible name and the
 * conversation as text, read through the open shadow root of <deputy-chat>. Engine-independent.
 */
import { mkdirSync } from 'node:fs';
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

/**
 * Where a case writes its screenshot: docs/screenshots/<engine>/ with DEPUTY_SCREENSHOTS=1 (to refresh
 * the committed ones), test-results/screenshots/<engine>/ otherwise.
 */
export function shotPath(page: E2EPage, name: string): string {
  const base = process.env.DEPUTY_SCREENSHOTS === '1' ? 'docs/screenshots' : 'test-results/screenshots';
  const dir = `${base}/${page.engine}`;
  mkdirSync(dir, { recursive: true });
  return `${dir}/${name}.png`;
}

/** The viewport box of the first element matching `selector` inside the widget (null if none). */
export function box(
  page: E2EPage,
  selector: string,
): Promise<{ x: number; y: number; width: number; height: number } | null> {
  return page.evaluate((sel) => {
    const el = document.querySelector('deputy-chat')?.shadowRoot?.querySelector(sel);
    if (!el) return null;
    const r = el.getBoundingClientRect();
    return {
      x: Math.round(r.x),
      y: Math.round(r.y),
      width: Math.round(r.width),
      height: Math.round(r.height),
    };
  }, selector);
}

/** A computed style property of the first element matching `selector` inside the widget. */
export function style(page: E2EPage, selector: string, property: string): Promise<string> {
  return page.evaluate(
    ([sel, prop]) => {
      const el = document.querySelector('deputy-chat')?.shadowRoot?.querySelector(sel);
      return el ? getComputedStyle(el).getPropertyValue(prop) : '';
    },
    [selector, property] as const,
  );
}

/** The focused element as "tag:aria-label", looking through shadow roots. */
export function focused(page: E2EPage): Promise<string> {
  return page.evaluate(() => {
    let el = document.activeElement;
    while (el?.shadowRoot?.activeElement) el = el.shadowRoot.activeElement;
    return el ? `${el.tagName.toLowerCase()}:${el.getAttribute('aria-label') ?? ''}` : '';
  }, null);
}
