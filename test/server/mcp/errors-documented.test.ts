import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { TOOL_ERRORS } from '../../../server/mcp/errors.js';

describe('MCP tool error codes', () => {
  const doc = readFileSync('docs/security-model.md', 'utf8');
  it.each(Object.keys(TOOL_ERRORS))('documents %s in docs/security-model.md', (code) => {
    expect(doc.split('\n').some((l) => l.startsWith(`| \`${code}\` |`))).toBe(true);
  });
});
