/**
 * Finding an element the same way in every engine. Each engine pierces shadow roots with a different
 * selector syntax (or none), so the search runs inside the page: walk the document and every open
 * shadow root, match by role and accessible name or by CSS, and keep the first visible match.
 */
import { callExpression, type Target } from './types.js';

/** Runs in the page (self-contained: no imports, no closures). Returns the element or null. */
function findInPage(target: Target): Element | null {
  const roleOf = (el: Element): string => {
    const explicit = el.getAttribute('role')?.trim().split(/\s+/)[0];
    if (explicit) return explicit;
    const tag = el.tagName.toLowerCase();
    const type = (el.getAttribute('type') ?? 'text').toLowerCase();
    if (tag === 'button') return 'button';
    if (tag === 'a' && el.hasAttribute('href')) return 'link';
    if (tag === 'textarea') return 'textbox';
    if (tag === 'input') {
      if (['button', 'submit', 'reset'].includes(type)) return 'button';
      // A password box has no ARIA role of its own; like playwright's getByRole, call it a textbox.
      if (['text', 'email', 'password', 'search', 'tel', 'url'].includes(type)) return 'textbox';
      return type;
    }
    if (/^h[1-6]$/.test(tag)) return 'heading';
    if (tag === 'dialog') return 'dialog';
    return '';
  };
  const nameOf = (el: Element): string => {
    const label = el.getAttribute('aria-label');
    if (label?.trim()) return label.trim();
    const root = el.getRootNode() as Document | ShadowRoot;
    const by = el.getAttribute('aria-labelledby');
    if (by) {
      return by
        .split(/\s+/)
        .map((id) => root.getElementById?.(id)?.textContent?.trim() ?? '')
        .join(' ')
        .trim();
    }
    const labels = (el as HTMLInputElement).labels;
    if (labels && labels.length > 0) return [...labels].map((l) => l.textContent?.trim()).join(' ');
    const text = el.textContent?.replace(/\s+/g, ' ').trim() ?? '';
    return text || el.getAttribute('title')?.trim() || el.getAttribute('placeholder')?.trim() || '';
  };
  const visible = (el: Element): boolean => {
    if (el.getClientRects().length === 0) return false;
    for (let n: Node | null = el; n; n = n instanceof ShadowRoot ? n.host : n.parentNode) {
      if (n instanceof Element) {
        if (n.getAttribute('aria-hidden') === 'true' || n.hasAttribute('inert')) return false;
        if (getComputedStyle(n).visibility === 'hidden') return false;
      }
    }
    return true;
  };
  const all: Element[] = [];
  const walk = (root: Document | ShadowRoot): void => {
    for (const el of root.querySelectorAll('*')) {
      all.push(el);
      if (el.shadowRoot) walk(el.shadowRoot);
    }
  };
  walk(document);
  const matches = all.filter((el) =>
    'css' in target ? el.matches(target.css) : roleOf(el) === target.role && nameOf(el) === target.name,
  );
  return matches.find(visible) ?? null;
}

/** The in-page expression that evaluates to the target's element (or null). */
export function findExpression(target: Target): string {
  return callExpression(findInPage, target);
}

/** How a target reads in an error message. */
export function describeTarget(target: Target): string {
  return 'css' in target ? `css ${target.css}` : `${target.role} "${target.name}"`;
}
