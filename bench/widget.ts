// Widget weight: our loader, panel and total (gzip) from `npm run build`, against minimal usage of
// two peers' web chats (@botpress/webchat, rasa-webchat): their committed, dated sizes, or
// re-measured with BENCH_PEERS=measure (bench/widget-peers.ts).
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { measureConsole } from './console-size.js';
import { isMain, runAlone } from './lib/main.js';
import { type BenchResult, figure, newResult, ROOT } from './lib/results.js';
import { peerSizes } from './widget-peers.js';
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

/** The widget-weight benchmark (sizes are deterministic: one run). */
export async function benchWidget(): Promise<BenchResult> {
  const started = performance.now();
  const ours = await measureOurs();
  if (process.env.BENCH_NO_BUILD !== '1') {
    execFileSync(
      process.execPath,
      [
        path.join(ROOT, 'node_modules', 'vite', 'bin', 'vite.js'),
        'build',
        '-c',
        'vite.console.config.ts',
        '--logLevel',
        'warn',
      ],
      { cwd: ROOT, stdio: 'inherit' },
    );
  }
  const consoleSize = await measureConsole(path.join(ROOT, 'dist', 'console'));
  const result = newResult('widget', 'Widget and console weight', started);
  const measured = await peerSizes(result.commit);
  const peers = measured.gzipBytes;
  const kb = (n: number) => [Math.round((n / KB) * 100) / 100];
  return {
    ...result,
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
      figure({
        id: 'console.total',
        what: 'operator console JS+CSS, gzip',
        unit: 'KB',
        runs: kb(consoleSize.total),
        budget: { text: '≤ 50 KB', op: '<=', limit: 50 },
      }),
    ],
    method: [
      'gzip level 9 of `npm run build` output (loader = widget.js; panel = the lazily loaded panel and styles chunks).',
      'Peers: a minimal embed of each (bench/peers/) bundled by esbuild (minified, production React, fonts/images',
      'excluded), JS plus the CSS the embed needs; sizes are deterministic, so one run. The operator console: every',
      'script and stylesheet of its own Vite build (dist/console/assets/).',
      `Peer sizes measured ${measured.measuredAt} at ${measured.commit} (${Object.entries(measured.versions)
        .map(([n, v]) => `${n} ${v}`)
        .join(', ')}); BENCH_PEERS=measure re-measures them.`,
    ],
  };
}

if (isMain(import.meta.url)) await runAlone(benchWidget);
