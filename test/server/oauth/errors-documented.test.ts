import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { OAUTH_ERRORS } from '../../../server/oauth/errors.js';

describe('OAuth error codes', () => {
  const doc = readFileSync('docs/staff-mcp.md', 'utf8');
  it.each(Object.entries(OAUTH_ERRORS))('documents %s with its status in docs/staff-mcp.md', (code, def) => {
    const row = doc.split('\n').find((l) => l.startsWith(`| \`${code}\` |`));
    expect(row, `docs/staff-mcp.md has no row for ${code}`).toBeDefined();
    expect(row).toContain(`| ${def.status} |`);
  });
});
