import type { ComponentChildren } from 'preact';
import { useMemo } from 'preact/hooks';
import { cleanText } from './entries.js';
import { type Block, type Inline, parseMarkdown } from './markdown.js';

function inline(nodes: Inline[]): ComponentChildren {
  return nodes.map((n, i) => {
    if (typeof n === 'string') return n;
    switch (n.t) {
      case 'b':
        return <strong key={i}>{inline(n.c)}</strong>;
      case 'i':
        return <em key={i}>{inline(n.c)}</em>;
      case 'code':
        return <code key={i}>{n.v}</code>;
      default:
        return (
          <a key={i} href={n.href} target="_blank" rel="noopener noreferrer">
            {n.c}
          </a>
        );
    }
  });
}

function block(b: Block, i: number): ComponentChildren {
  if (b.t === 'p') {
    return (
      <p key={i}>{b.lines.map((line, j) => (j ? [<br key={`b${j}`} />, inline(line)] : inline(line)))}</p>
    );
  }
  const items = b.items.map((item, j) => <li key={j}>{inline(item)}</li>);
  return b.t === 'ul' ? <ul key={i}>{items}</ul> : <ol key={i}>{items}</ol>;
}

/** Assistant text as vnodes: parsed once per distinct text (memo), never through innerHTML. */
export function Markdown({ text }: { text: string }) {
  const blocks = useMemo(() => parseMarkdown(cleanText(text)), [text]);
  return <>{blocks.map(block)}</>;
}
