/**
 * Widget size (docs/architecture.md §7): gzip bytes (level 9) of each file in dist/widget/ and the totals that the
 * budgets apply to. `npm run size` prints them (building first if dist/widget/ is missing);
 * bench/run.ts and test/widget/size.test.ts import measureWidget().
 *
 *   loader  widget.js: the classic script every page view downloads
 *   panel   panel-<hash>.js (and any chunk it imports): loaded on first open
 *   css     styles-<hash>.js: the panel's stylesheet as a string, for a constructable stylesheet
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

export interface WidgetSize {
  loader: number;
  panel: number;
  css: number;
  total: number;
}

export interface WidgetFile {
  file: string;
  kind: keyof Omit<WidgetSize, 'total'>;
  raw: number;
  gzip: number;
}

const gzip = (buf: Buffer): number => gzipSync(buf, { level: 9 }).length;

function kindOf(file: string): WidgetFile['kind'] {
  if (file === 'widget.js') return 'loader';
  if (file.endsWith('.css') || /^styles-.*\.js$/.test(file)) return 'css';
  return 'panel';
}

/** Every shipped file of the built widget with its raw and gzip size. */
export async function widgetFiles(distDir = 'dist/widget'): Promise<WidgetFile[]> {
  const names = (await readdir(distDir)).filter((f) => /\.(m?js|css)$/.test(f)).sort();
  if (!names.includes('widget.js')) throw new Error(`${distDir}/widget.js is missing: run npm run build`);
  return Promise.all(
    names.map(async (file) => {
      const buf = await readFile(path.join(distDir, file));
      return { file, kind: kindOf(file), raw: buf.length, gzip: gzip(buf) };
    }),
  );
}

/** Gzip bytes (level 9) of the loader, the panel code, the panel CSS, and their total. */
export async function measureWidget(distDir = 'dist/widget'): Promise<WidgetSize> {
  const size: WidgetSize = { loader: 0, panel: 0, css: 0, total: 0 };
  for (const f of await widgetFiles(distDir)) {
    size[f.kind] += f.gzip;
    size.total += f.gzip;
  }
  return size;
}

async function main(): Promise<void> {
  const dist = process.argv[2] ?? 'dist/widget';
  if (!existsSync(path.join(dist, 'widget.js'))) {
    execFileSync('npx', ['vite', 'build', '--logLevel', 'warn'], { stdio: 'inherit' });
  }
  const files = await widgetFiles(dist);
  const size = await measureWidget(dist);
  const kb = (n: number): string => `${(n / 1024).toFixed(2)} KB`;
  console.log('file'.padEnd(28), 'kind'.padEnd(7), 'raw'.padStart(10), 'gzip -9'.padStart(10));
  for (const f of files) {
    console.log(f.file.padEnd(28), f.kind.padEnd(7), kb(f.raw).padStart(10), kb(f.gzip).padStart(10));
  }
  console.log();
  console.log(`loader ${size.loader} B (${kb(size.loader)}; budget 3 KB)`);
  console.log(`panel  ${size.panel} B (${kb(size.panel)})`);
  console.log(`css    ${size.css} B (${kb(size.css)})`);
  console.log(`total  ${size.total} B (${kb(size.total)}; budget 25 KB)`);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await main();
