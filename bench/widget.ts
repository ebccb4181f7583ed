// Widget weight: our loader, panel and total (gzip) from `npm run build`, against minimal usage of
// two peers' web chats (@botpress/webchat, rasa-webchat) bundled with esbuild in the same run.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { build } from 'esbuild';
import { gzipBytes } from './lib/gzip.js';
import { isMain, runAlone } from './lib/main.js';
import { BENCH_DIR, type BenchResult, figure, newResult, ROOT } from './lib/results.js';
import { measureWidget } from './widget-size.js';

const KB = 1024;

interface Ours {
  loader: number;
  panel: number;
  total: number;
}

/** Builds the widget (unless BENCH_NO_BUILD=1) and weighs dist/widget with the widget's own measureWidget. */
async function measureOurs(): Promise<Ours> {
  const dist = path.join(ROOT, 'dist', 'widget');
  if (process.env.BENCH_NO_BUILD !== '1') {
    execFileSync(
      process.execPath,
      [path.join(ROOT, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', '--logLevel', 'warn'],
      {
        cwd: ROOT,
        stdio: 'inherit',
      },
    );
  }
  const size = await measureWidget(dist);
  // The panel as loaded on first open: its code and its stylesheet chunk.
  return { loader: size.loader, panel: size.panel + size.css, total: size.total };
}

/** Bundles a peer's minimal embed (JS + CSS) with esbuild, minified for production, and weighs it. */
async function bundlePeer(
  entry: string,
  extra: { alias?: Record<string, string>; css?: string[] } = {},
): Promise<number> {
  const out = await build({
    entryPoints: [path.join(BENCH_DIR, 'peers', entry)],
    bundle: true,
    minify: true,
    format: 'iife',
    platform: 'browser',
    target: 'es2020',
    write: false,
    outdir: 'out',
    logLevel: 'silent',
    define: { 'process.env.NODE_ENV': '"production"', global: 'globalThis' },
    loader: {
      '.css': 'css',
      '.woff': 'empty',
      '.woff2': 'empty',
      '.ttf': 'empty',
      '.png': 'empty',
      '.svg': 'empty',
    },
    ...(extra.alias ? { alias: extra.alias } : {}),
  });
  let bytes = 0;
  for (const file of out.outputFiles) bytes += gzipBytes(file.contents);
  for (const css of extra.css ?? []) bytes += gzipBytes(readFileSync(css));
  return bytes;
}

async function measurePeers(): Promise<{ botpress: number; rasa: number }> {
  const bp = path.join(ROOT, 'node_modules', '@botpress', 'webchat');
  // @botpress/webchat needs React 19 (npm nests it there, as rasa-webchat's peer React 16 is hoisted):
  // one React for the whole bundle, as an app using it would have.
  const nested = (name: string) =>
    existsSync(path.join(bp, 'node_modules', name)) ? path.join(bp, 'node_modules', name) : name;
  const botpress = await bundlePeer('botpress.js', {
    alias: { react: nested('react'), 'react-dom': nested('react-dom') },
    css: [path.join(bp, 'dist', 'style.css')],
  });
  const rasa = await bundlePeer('rasa.js');
  return { botpress, rasa };
}

/** The widget-weight benchmark (sizes are deterministic: one run). */
export async function benchWidget(): Promise<BenchResult> {
  const started = performance.now();
  const ours = await measureOurs();
  const peers = await measurePeers();
  const kb = (n: number) => [Math.round((n / KB) * 100) / 100];
  return {
    ...newResult('widget', 'Widget weight', started),
    figures: [
      figure({
        id: 'widget.loader',
        what: 'widget loader JS, gzip',
        unit: 'KB',
        runs: kb(ours.loader),
        budget: { text: '≤ 3 KB', op: '<=', limit: 3 },
      }),
      figure({
        id: 'widget.panel',
        what: 'widget panel JS+CSS (loaded on first open), gzip',
        unit: 'KB',
        runs: kb(ours.panel),
      }),
      figure({
        id: 'widget.total',
        what: 'widget total JS+CSS, gzip',
        unit: 'KB',
        runs: kb(ours.total),
        budget: { text: '≤ 25 KB', op: '<=', limit: 25 },
        baseline: { what: 'Botpress webchat', unit: 'KB', runs: kb(peers.botpress) },
      }),
      figure({
        id: 'widget.total.rasa',
        what: 'widget total JS+CSS, gzip (vs Rasa)',
        unit: 'KB',
        runs: kb(ours.total),
        baseline: { what: 'Rasa webchat', unit: 'KB', runs: kb(peers.rasa) },
      }),
    ],
    method: [
      'gzip level 9 of `npm run build` output (loader = widget.js; panel = the lazily loaded panel and styles chunks).',
      'Peers: a minimal embed of each (bench/peers/) bundled by esbuild (minified, production React, fonts/images',
      'excluded), JS plus the CSS the embed needs; sizes are deterministic, so one run.',
    ],
  };
}

if (isMain(import.meta.url)) await runAlone(benchWidget);
