import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CONSOLE_ERRORS } from '../../../server/console/errors.js';
import { SERVER_ERRORS } from '../../../server/errors.js';
import { WIRE_ERRORS } from '../../../shared/errors.js';

describe('console error codes', () => {
  it('documents every console code in docs/console.md with its HTTP status', () => {
    const rows = new Map<string, string>();
    for (const line of readFileSync('docs/console.md', 'utf8').split('\n')) {
      const cells = line.split('|').map((c) => c.trim());
      const code = /^`([a-z_]+)`$/.exec(cells[1] ?? '')?.[1];
      if (code) rows.set(code, cells[2] ?? '');
    }
    for (const [code, def] of Object.entries(CONSOLE_ERRORS)) {
      expect(rows.get(code), `${code} is not documented`).toBe(String(def.status));
    }
  });

  it('never reuses a wire or server code name', () => {
    const taken = new Set([...Object.keys(SERVER_ERRORS), ...Object.keys(WIRE_ERRORS)]);
    expect(Object.keys(CONSOLE_ERRORS).filter((c) => taken.has(c))).toEqual([]);
  });
});
