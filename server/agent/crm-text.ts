/**
 * CRM text is data (docs/threat-model.md D1–D4, X5): names, subjects, descriptions and comments
 * reach the visitor as literal text. Two steps, kept apart because they have different owners:
 * `cleanCrmText` when a tool result enters the agent (controls and bidi overrides removed, long
 * values cut), `escapeMarkdown` where a value is put into a markdown reply, so the widget's
 * renderer shows `[x](https://…)`, `**bold**` and bare links as typed instead of formatting them.
 */

// C0 and C1 controls (tab and newline become spaces first), bidi embeddings, overrides and
// isolates, zero-width characters and the BOM: they can reorder or hide what the visitor reads.
// biome-ignore lint/suspicious/noControlCharactersInRegex: removing control characters is the point (D3).
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]/g;

/** The most characters of one CRM value a reply shows. */
export const MAX_CRM_VALUE = 300;

/** One line of literal CRM text: no controls or bidi overrides, whitespace collapsed, cut with "…". */
export function cleanCrmText(value: string, max = MAX_CRM_VALUE): string {
  const clean = value
    .replace(/[\t\n\r\f\v]+/g, ' ')
    .replace(UNSAFE, '')
    .replace(/\s+/g, ' ')
    .trim();
  return clean.length > max ? `${[...clean].slice(0, max - 1).join('')}…` : clean;
}

/** Every string inside a tool result cleaned (ids and dates pass unchanged: they have nothing to remove). */
export function cleanCrmData<T>(value: T, max = MAX_CRM_VALUE, depth = 0): T {
  if (typeof value === 'string') return cleanCrmText(value, max) as T;
  if (depth > 6 || !value || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v) => cleanCrmData(v, max, depth + 1)) as T;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = cleanCrmData(v, max, depth + 1);
  return out as T;
}

/**
 * A value escaped for the widget's markdown subset: `\`, backtick, `*`, `[` and `]` get a
 * backslash (no emphasis, code, link or image can start), and `https:` becomes `https\:` (no bare
 * link). The renderer shows the escaped character itself.
 */
export function escapeMarkdown(value: string): string {
  return value.replace(/[\\`*[\]]/g, '\\$&').replace(/(https?):/gi, '$1\\:');
}

/** A CRM value ready for a markdown reply: cleaned, cut, escaped. */
export function crmLiteral(value: string, max = MAX_CRM_VALUE): string {
  return escapeMarkdown(cleanCrmText(value, max));
}
