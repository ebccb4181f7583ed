// The console's size budget (docs/architecture.md §7), measured on the real build (gzip -9).
// Raise the ceiling only in the commit that justifies it.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { type ConsoleSize, measureConsole } from '../../bench/console-size.js';

const CEILING = {
  bytes: 50 * 1024,
  why: 'operators keep the console open all day, but it must load fast on a tablet over hotel wifi (docs/architecture.md §7: ≤ 50 KB)',
};

describe('console size', () => {
  let size: ConsoleSize;
  beforeAll(async () => {
    if (!existsSync('dist/console/index.html'))
      execFileSync('npx', ['vite', 'build', '-c', 'vite.console.config.ts', '--logLevel', 'warn']);
    size = await measureConsole();
  }, 120_000);

  it('stays within its gzip ceiling, JS and CSS together', () => {
    expect(size.total, `${size.total} B > ${CEILING.bytes} B. Why: ${CEILING.why}`).toBeLessThanOrEqual(
      CEILING.bytes,
    );
    expect(size.js).toBeGreaterThan(0);
    expect(size.css).toBeGreaterThan(0);
  });

  it('keeps zod out of the browser (the console imports shared types only)', () => {
    for (const f of size.files)
      expect(readFileSync(`dist/console/assets/${f.file}`, 'utf8')).not.toMatch(/ZodError/);
  });
});
