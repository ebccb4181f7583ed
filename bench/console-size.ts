/**
 * Operator console size (docs/architecture.md §7: ≤ 50 KB gzip, JS+CSS): gzip bytes (level 9) of
 * every script and stylesheet in dist/console/assets/. `npx tsx bench/console-size.ts` prints them;
 * test/console/size.test.ts imports measureConsole().
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

export interface ConsoleSize {
  js: number;
  css: number;
  total: number;
  files: { file: string; raw: number; gzip: number }[];
}

export async function measureConsole(distDir = 'dist/console'): Promise<ConsoleSize> {
  const dir = path.join(distDir, 'assets');
  const names = (await readdir(dir)).filter((f) => /\.(m?js|css)$/.test(f)).sort();
  if (names.length === 0) throw new Error(`${dir} holds no assets: run npm run build`);
  const size: ConsoleSize = { js: 0, css: 0, total: 0, files: [] };
  for (const file of names) {
    const buf = await readFile(path.join(dir, file));
    const gz = gzipSync(buf, { level: 9 }).length;
    size.files.push({ file, raw: buf.length, gzip: gz });
    size[file.endsWith('.css') ? 'css' : 'js'] += gz;
    size.total += gz;
  }
  return size;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const size = await measureConsole();
  for (const f of size.files)
    console.log(
      `${f.file.padEnd(28)} ${(f.raw / 1024).toFixed(2)} KB  ${(f.gzip / 1024).toFixed(2)} KB gzip`,
    );
  console.log(
    `js ${size.js} B, css ${size.css} B, total ${size.total} B (${(size.total / 1024).toFixed(2)} KB; budget 50 KB)`,
  );
}
