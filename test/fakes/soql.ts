/**
 * The SOQL subset the Salesforce fake answers (docs/crm.md, Salesforce): `SELECT f,… FROM Object
 * [WHERE …] [ORDER BY f [ASC|DESC], …] [LIMIT n]`, conditions `f = v`, `f != v`, `f LIKE 'pattern'`
 * joined by AND or OR (mixing them needs parentheses, as in SOQL), values a quoted string, `true`,
 * `false` or `null`. String literals follow Salesforce's escapes: `\'`, `\"`, `\\`, `\n`, `\r`, `\t`,
 * `\b`, `\f`, `\uXXXX`, and in LIKE `\%` and `\_` (a literal percent or underscore); any other
 * backslash, or an unterminated literal, is a MALFORMED_QUERY, as is anything else. The lexer is
 * strict on purpose: a search text that breaks out of its literal must show up as a different query
 * or as an error.
 */
export class SoqlError extends Error {}

type Char = { c: string; escaped: boolean };
type Token =
  | { kind: 'word'; text: string }
  | { kind: 'str'; chars: Char[] }
  | { kind: 'num'; value: number }
  | { kind: 'punct'; text: string };

export type Condition =
  | { op: 'and' | 'or'; parts: Condition[] }
  | { field: string; cmp: '=' | '!=' | 'LIKE'; value: string | boolean | null; like?: RegExp };

export interface SoqlQuery {
  fields: string[];
  object: string;
  where: Condition | null;
  orderBy: { field: string; desc: boolean }[];
  limit: number | null;
}

const ESCAPES: Record<string, string> = {
  "'": "'",
  '"': '"',
  '\\': '\\',
  n: '\n',
  r: '\r',
  t: '\t',
  b: '\b',
  f: '\f',
};

function lex(q: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < q.length) {
    const ch = q[i] ?? '';
    if (/\s/.test(ch)) {
      i++;
    } else if (ch === "'") {
      const chars: Char[] = [];
      i++;
      for (;;) {
        if (i >= q.length) throw new SoqlError('unterminated string literal');
        const c = q[i] ?? '';
        if (c === "'") break;
        if (c === '\\') {
          const next = q[i + 1] ?? '';
          if (next === '%' || next === '_') chars.push({ c: next, escaped: true });
          else if (next === 'u' && /^[0-9a-fA-F]{4}$/.test(q.slice(i + 2, i + 6))) {
            chars.push({ c: String.fromCharCode(Number.parseInt(q.slice(i + 2, i + 6), 16)), escaped: true });
            i += 4;
          } else if (next.toLowerCase() in ESCAPES)
            chars.push({ c: ESCAPES[next.toLowerCase()] ?? '', escaped: true });
          else throw new SoqlError('Invalid string literal: illegal escape sequence');
          i += 2;
        } else {
          chars.push({ c, escaped: false });
          i++;
        }
      }
      i++;
      out.push({ kind: 'str', chars });
    } else if (/[A-Za-z_]/.test(ch)) {
      const m = /^[A-Za-z_][\w.]*/.exec(q.slice(i))?.[0] ?? ch;
      out.push({ kind: 'word', text: m });
      i += m.length;
    } else if (/\d/.test(ch)) {
      const m = /^\d+/.exec(q.slice(i))?.[0] ?? ch;
      out.push({ kind: 'num', value: Number(m) });
      i += m.length;
    } else if (q.startsWith('!=', i)) {
      out.push({ kind: 'punct', text: '!=' });
      i += 2;
    } else if ('(),='.includes(ch)) {
      out.push({ kind: 'punct', text: ch });
      i++;
    } else throw new SoqlError(`unexpected token: ${ch}`);
  }
  return out;
}

const text = (chars: Char[]) => chars.map((c) => c.c).join('');

/** `%` and `_` unescaped are wildcards; LIKE is case-insensitive in SOQL. */
function likeRegex(chars: Char[]): RegExp {
  const body = chars
    .map(({ c, escaped }) =>
      !escaped && c === '%' ? '.*' : !escaped && c === '_' ? '.' : c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&'),
    )
    .join('');
  return new RegExp(`^${body}$`, 'is');
}

export function parseSoql(q: string): SoqlQuery {
  const tokens = lex(q);
  let at = 0;
  const peek = () => tokens[at];
  const isWord = (w: string) => {
    const t = peek();
    return t?.kind === 'word' && t.text.toUpperCase() === w;
  };
  const expectWord = (w: string) => {
    if (!isWord(w)) throw new SoqlError(`unexpected token: expected ${w}`);
    at++;
  };
  const ident = (): string => {
    const t = tokens[at++];
    if (t?.kind !== 'word') throw new SoqlError('unexpected token: expected a field');
    return t.text;
  };
  const punct = (p: string) => {
    const t = peek();
    return t?.kind === 'punct' && t.text === p;
  };

  function atom(): Condition {
    if (punct('(')) {
      at++;
      const inner = expr();
      if (!punct(')')) throw new SoqlError('unexpected token: expected )');
      at++;
      return inner;
    }
    const field = ident();
    const op = tokens[at++];
    const cmp =
      op?.kind === 'punct' && (op.text === '=' || op.text === '!=')
        ? op.text
        : op?.kind === 'word' && op.text.toUpperCase() === 'LIKE'
          ? 'LIKE'
          : null;
    if (!cmp) throw new SoqlError('unexpected token: expected an operator');
    const v = tokens[at++];
    if (v?.kind === 'str') {
      if (cmp !== 'LIKE' && v.chars.some((c) => c.escaped && (c.c === '%' || c.c === '_')))
        throw new SoqlError('Invalid string literal: \\% and \\_ only in LIKE');
      return cmp === 'LIKE'
        ? { field, cmp, value: text(v.chars), like: likeRegex(v.chars) }
        : { field, cmp, value: text(v.chars) };
    }
    if (cmp === 'LIKE') throw new SoqlError('unexpected token: LIKE needs a string');
    const w = v?.kind === 'word' ? v.text.toLowerCase() : '';
    if (w === 'true' || w === 'false') return { field, cmp, value: w === 'true' };
    if (w === 'null') return { field, cmp, value: null };
    throw new SoqlError('unexpected token: expected a value');
  }

  function expr(): Condition {
    const parts = [atom()];
    let op: 'and' | 'or' | null = null;
    while (isWord('AND') || isWord('OR')) {
      const next = isWord('AND') ? 'and' : 'or';
      if (op && op !== next) throw new SoqlError('unexpected token: mix AND and OR only with parentheses');
      op = next;
      at++;
      parts.push(atom());
    }
    return op ? { op, parts } : (parts[0] as Condition);
  }

  expectWord('SELECT');
  const fields = [ident()];
  while (punct(',')) {
    at++;
    fields.push(ident());
  }
  expectWord('FROM');
  const object = ident();
  let where: Condition | null = null;
  if (isWord('WHERE')) {
    at++;
    where = expr();
  }
  const orderBy: SoqlQuery['orderBy'] = [];
  if (isWord('ORDER')) {
    at++;
    expectWord('BY');
    do {
      if (punct(',')) at++;
      const field = ident();
      let desc = false;
      if (isWord('ASC') || isWord('DESC'))
        desc = (tokens[at++] as { text: string }).text.toUpperCase() === 'DESC';
      orderBy.push({ field, desc });
    } while (punct(','));
  }
  let limit: number | null = null;
  if (isWord('LIMIT')) {
    at++;
    const n = tokens[at++];
    if (n?.kind !== 'num') throw new SoqlError('unexpected token: LIMIT needs a number');
    limit = n.value;
  }
  if (at !== tokens.length) throw new SoqlError('unexpected token after the query');
  return { fields, object, where, orderBy, limit };
}

/** Whether a record meets a condition (`=` compares exactly, as the fake always has). */
export function meets(cond: Condition, row: Record<string, unknown>): boolean {
  if ('op' in cond)
    return cond.op === 'and' ? cond.parts.every((p) => meets(p, row)) : cond.parts.some((p) => meets(p, row));
  const v = row[cond.field] ?? null;
  if (cond.cmp === 'LIKE') return typeof v === 'string' && (cond.like?.test(v) ?? false);
  return cond.cmp === '=' ? v === cond.value : v !== cond.value;
}
