import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { LOOP_ERRORS } from '../../../server/agent/loop-errors.js';

describe('loop error codes', () => {
  const doc = readFileSync('docs/agent.md', 'utf8');
  it.each(Object.keys(LOOP_ERRORS))('documents %s in docs/agent.md', (code) => {
    expect(doc.split('\n').some((l) => l.startsWith(`| \`${code}\` |`))).toBe(true);
  });
});
