import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SERVER_ERRORS } from '../../../server/errors.js';
import { WIRE_ERRORS } from '../../../shared/errors.js';

/** Rows of the markdown tables in `file` whose first cell is a code: code → the other cells. */
function documented(file: string): Map<string, string[]> {
  const rows = new Map<string, string[]>();
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const cells = line.split('|').map((c) => c.trim());
    const code = /^`([a-z_]+)`$/.exec(cells[1] ?? '')?.[1];
    if (code) rows.set(code, cells.slice(2, -1));
  }
  return rows;
}

describe('error codes', () => {
  it('documents every wire code in docs/protocol.md with its close code', () => {
    const rows = documented('docs/protocol.md');
    for (const [code, def] of Object.entries(WIRE_ERRORS)) {
      const row = rows.get(code);
      expect(row, `${code} is not documented`).toBeDefined();
      const close = (def as { close?: number }).close;
      expect(row?.[0], `${code} close code`).toBe(close === undefined ? '—' : String(close));
    }
  });

  it('documents every server code in docs/operations.md with its HTTP status', () => {
    const rows = documented('docs/operations.md');
    for (const [code, def] of Object.entries(SERVER_ERRORS)) {
      const row = rows.get(code);
      expect(row, `${code} is not documented`).toBeDefined();
      const status = (def as { status?: number }).status;
      expect(row?.[0], `${code} status`).toBe(status === undefined ? '—' : String(status));
    }
  });

  it('never gives a wire code and a server code the same name with different meanings', () => {
    const shared = Object.keys(SERVER_ERRORS).filter((c) => c in WIRE_ERRORS);
    expect(shared).toEqual([]);
  });
});
