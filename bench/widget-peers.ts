// The peers' widget weights for bench/widget.ts. Their packages (462 of them, 137 MB) stay out of
// the project's install: by default the committed, dated sizes in bench/peers/sizes.json are
// used; BENCH_PEERS=measure installs the pinned versions into bench/peers/node_modules (npm
// install --prefix), bundles a minimal embed of each with esbuild and updates sizes.json.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { build } from 'esbuild';
import { gzipBytes } from './lib/gzip.js';
import { BENCH_DIR } from './lib/results.js';

const PEERS = path.join(BENCH_DIR, 'peers');
const SIZES = path.join(PEERS, 'sizes.json');

/** Gzip bytes of each peer's minimal embed, and when and at which versions they were measured. */
export interface PeerSizes {
  measuredAt: string;
  commit: string;
  versions: Record<string, string>;
  gzipBytes: { botpress: number; rasa: number };
}

/** Bundles a peer's minimal embed (JS + CSS) with esbuild, minified for production, and weighs it. */
async function bundlePeer(
  entry: string,
  extra: { alias?: Record<string, string>; css?: string[] } = {},
): Promise<number> {
  const out = await build({
    entryPoints: [path.join(PEERS, entry)],
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

/** Installs the pinned peers into bench/peers/node_modules and weighs them; records the result. */
async function measure(commit: string): Promise<PeerSizes> {
  execFileSync('npm', ['install', '--prefix', PEERS, '--no-audit', '--no-fund', '--no-save'], {
    stdio: ['ignore', 2, 2],
  });
  const modules = path.join(PEERS, 'node_modules');
  const bp = path.join(modules, '@botpress', 'webchat');
  // @botpress/webchat needs React 19 (npm nests it there, as rasa-webchat's peer React 16 is hoisted):
  // one React for the whole bundle, as an app using it would have.
  const nested = (name: string) =>
    existsSync(path.join(bp, 'node_modules', name)) ? path.join(bp, 'node_modules', name) : name;
  const botpress = await bundlePeer('botpress.js', {
    alias: { react: nested('react'), 'react-dom': nested('react-dom') },
    css: [path.join(bp, 'dist', 'style.css')],
  });
  const rasa = await bundlePeer('rasa.js');
  const versions: Record<string, string> = {};
  for (const name of ['@botpress/webchat', 'rasa-webchat']) {
    versions[name] = JSON.parse(readFileSync(path.join(modules, name, 'package.json'), 'utf8')).version;
  }
  const sizes = {
    measuredAt: new Date().toISOString().slice(0, 10),
    commit,
    versions,
    gzipBytes: { botpress, rasa },
  };
  writeFileSync(SIZES, `${JSON.stringify(sizes, null, 2)}\n`);
  return sizes;
}

/** The peers' sizes: re-measured when BENCH_PEERS=measure, else the committed ones. */
export async function peerSizes(commit: string): Promise<PeerSizes> {
  if (process.env.BENCH_PEERS === 'measure') return measure(commit);
  return JSON.parse(readFileSync(SIZES, 'utf8')) as PeerSizes;
}
