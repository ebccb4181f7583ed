// The size budgets of docs/architecture.md §1.3 and §7, measured on the real build (gzip -9, as bench/ reports).
// Raise a ceiling only in the commit that justifies it.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { measureWidget, type WidgetSize, widgetFiles } from '../../bench/widget-size.js';

const DIST = 'dist/widget';
const KB = 1024;

const CEILINGS: Record<keyof WidgetSize, { bytes: number; why: string }> = {
  loader: {
    bytes: 3000,
    why: 'every page view of every host site downloads widget.js, chat or not (docs/architecture.md §1.3: ≤ 3 KB, read as 3,000 B)',
  },
  panel: {
    bytes: 20 * KB,
    why: 'Preact (~5 KB) plus the UI, connection and markdown; leaves room for the CSS within 25 KB',
  },
  css: { bytes: 3 * KB, why: 'one stylesheet for launcher badge, panel, dark mode and mobile layout' },
  total: {
    bytes: 25 * KB,
    why: 'everything a visitor downloads to chat (docs/architecture.md §1.3: ≤ 25 KB; peers ship 170–225 KB)',
  },
};

describe('widget size', () => {
  let size: WidgetSize;
  beforeAll(async () => {
    if (!existsSync(`${DIST}/widget.js`)) execFileSync('npx', ['vite', 'build', '--logLevel', 'warn']);
    size = await measureWidget(DIST);
  }, 120_000);

  it.each(Object.keys(CEILINGS) as (keyof WidgetSize)[])('%s stays within its gzip ceiling', (part) => {
    const { bytes, why } = CEILINGS[part];
    expect(size[part], `${part}: ${size[part]} B > ${bytes} B. Why the ceiling: ${why}`).toBeLessThanOrEqual(
      bytes,
    );
    expect(size[part]).toBeGreaterThan(0);
  });

  it('ships the loader as a classic script and keeps zod out of the browser', async () => {
    const loader = readFileSync(`${DIST}/widget.js`, 'utf8');
    expect(loader).not.toMatch(/^\s*(import|export)\s/m);
    for (const f of await widgetFiles(DIST)) {
      expect(readFileSync(`${DIST}/${f.file}`, 'utf8')).not.toMatch(/ZodError|zod/);
    }
  });
});
