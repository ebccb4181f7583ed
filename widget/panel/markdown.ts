/**
 * A deliberately small markdown subset for assistant replies: **bold**, *italic*, `code`, "- " and
 * "1. " lists, and https: links; a backslash before \ ` * [ ] : makes it literal. Everything else — HTML, images, other link schemes — stays literal
 * text. The output is plain data rendered as Preact vnodes (markdown-view.tsx), never as HTML (X1–X3).
 */
export type Inline =
  | string
  | { t: 'b' | 'i'; c: Inline[] }
  | { t: 'code'; v: string }
  | { t: 'a'; href: string; c: string };
export type Block = { t: 'p'; lines: Inline[][] } | { t: 'ul' | 'ol'; items: Inline[][] };

// Built once at module load; matchAll() works on a copy, so nested parsing is safe.
const INLINE =
  /\\([\\`*[\]:])|(!\[[^\]\n]*\]\([^)\n]*\)?)|`([^`\n]+)`|\*\*(?=\S)([^\n]*?\S)\*\*|\*(?=[^\s*])([^*\n]*?[^\s*])\*|\[([^\]\n]{1,300})\]\(([^()\s]{1,2048})\)|(https:\/\/[^\s<>"'`]+)/g;
const BULLET = /^\s{0,3}[-*•]\s+(.*)$/;
const NUMBERED = /^\s{0,3}\d{1,3}[.)]\s+(.*)$/;
const TRAILING_PUNCT = /[.,;:!?)\]]+$/;

/** The URL if it is an absolute https: URL, else null (javascript:, data:, http:, relative → inert). */
export function safeHref(url: string): string | null {
  try {
    const u = new URL(url);
    return u.protocol === 'https:' ? u.href : null;
  } catch {
    return null;
  }
}

export function parseInline(text: string, depth = 0): Inline[] {
  const out: Inline[] = [];
  let last = 0;
  const push = (s: string): void => {
    if (!s) return;
    const prev = out[out.length - 1];
    if (typeof prev === 'string') out[out.length - 1] = prev + s;
    else out.push(s);
  };
  for (const m of text.matchAll(INLINE)) {
    const [all, escaped, image, code, bold, italic, label, url, bare] = m;
    const start = m.index ?? 0;
    push(text.slice(last, start));
    last = start + all.length;
    // An escaped character is itself: CRM values in replies are escaped (docs/threat-model.md D1).
    if (escaped !== undefined) push(escaped);
    else if (image !== undefined) push(image);
    else if (code !== undefined) out.push({ t: 'code', v: code });
    else if (bold !== undefined) out.push({ t: 'b', c: depth < 3 ? parseInline(bold, depth + 1) : [bold] });
    else if (italic !== undefined)
      out.push({ t: 'i', c: depth < 3 ? parseInline(italic, depth + 1) : [italic] });
    else if (label !== undefined && url !== undefined) {
      const href = safeHref(url);
      if (href) out.push({ t: 'a', href, c: label });
      else push(all);
    } else if (bare !== undefined) {
      const punct = TRAILING_PUNCT.exec(bare)?.[0] ?? '';
      const link = bare.slice(0, bare.length - punct.length);
      const href = safeHref(link);
      if (href) out.push({ t: 'a', href, c: link });
      else push(link);
      push(punct);
    }
  }
  push(text.slice(last));
  return out;
}

export function parseMarkdown(text: string): Block[] {
  const blocks: Block[] = [];
  let current: Block | null = null;
  for (const line of text.split(/\r?\n/)) {
    const bullet = BULLET.exec(line);
    const numbered = bullet ? null : NUMBERED.exec(line);
    const kind = bullet ? 'ul' : numbered ? 'ol' : line.trim() ? 'p' : null;
    if (!kind) {
      current = null;
      continue;
    }
    if (!current || current.t !== kind) {
      current = kind === 'p' ? { t: 'p', lines: [] } : { t: kind, items: [] };
      blocks.push(current);
    }
    if (current.t === 'p') current.lines.push(parseInline(line));
    else current.items.push(parseInline((bullet ?? numbered)?.[1] ?? ''));
  }
  return blocks;
}
