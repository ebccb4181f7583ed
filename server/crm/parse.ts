import type { z } from 'zod';
import { CrmUnavailableError } from './errors.js';

/**
 * A vendor answer checked against the shape its documentation promises. A 200 with a field missing
 * or of the wrong type is a CRM fault (`malformed`), never a crash and never a wrong answer.
 */
export function parseAs<T extends z.ZodType>(schema: T, body: unknown, what: string): z.output<T> {
  const parsed = schema.safeParse(body);
  if (!parsed.success) throw new CrmUnavailableError('malformed', what);
  return parsed.data;
}

/** Longest CRM text kept (subjects, descriptions, comments) before the tools bound it further. */
export function clip(text: string | null | undefined, max = 4000): string {
  const t = text ?? '';
  return t.length > max ? t.slice(0, max) : t;
}

/** An idempotency key for a create that carried none: same customer and text in the same window. */
export function derivedKey(parts: (string | null)[], windowMs: number, hash: (s: string) => string): string {
  return hash([...parts.map((p) => p ?? ''), String(Math.floor(Date.now() / windowMs))].join('\n'));
}
