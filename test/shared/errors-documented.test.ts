import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { WIRE_ERRORS } from '../../shared/errors.js';

describe('wire error codes', () => {
  const doc = readFileSync('docs/protocol.md', 'utf8');
  it.each(Object.entries(WIRE_ERRORS))('documents %s with its close code', (code, def) => {
    const row = doc.split('\n').find((l) => l.startsWith(`| \`${code}\` |`));
    expect(row, `docs/protocol.md has no row for ${code}`).toBeDefined();
    const close = (def as { close?: number }).close;
    expect(row).toContain(close ? `| ${close} |` : '| — |');
  });
});
