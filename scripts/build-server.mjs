// Bundles the backend and its JavaScript dependencies into dist/server/ (main.mjs, cli.mjs and the
// chunks they share in dist/server/chunks/), so `npm start` runs without tsx and without resolving
// some 900 dependency modules one by one (together ~4 s of the cold start, bench/FINDINGS.md).
// Code that only some configurations use is split into chunks loaded on first use (the OpenAI and
// Anthropic SDKs, the PostgreSQL store and bus): a start compiles only what it runs. main.mjs
// itself is a small entry that turns on V8's compile cache before importing the server
// (server/bundle-main.ts). Whitespace and comments are left out (~30 % less to read and parse; the
// source maps beside each file give positions in the sources: `node --enable-source-maps`).
// better-sqlite3 stays external (a native addon), and so does pg-native, the optional addon `pg`
// looks for only when asked to (Deputy never does); CommonJS dependencies get a `require`.
import { rmSync } from 'node:fs';
import { build } from 'esbuild';

// Chunk names carry a content hash: without this, every rebuild would leave the old ones behind.
rmSync('dist/server', { recursive: true, force: true });
await build({
  entryPoints: { main: 'server/bundle-main.ts', cli: 'server/cli.ts' },
  outdir: 'dist/server',
  outExtension: { '.js': '.mjs' },
  chunkNames: 'chunks/[name]-[hash]',
  bundle: true,
  splitting: true,
  minifyWhitespace: true,
  external: ['better-sqlite3', 'pg-native'],
  platform: 'node',
  format: 'esm',
  target: 'node20.19',
  sourcemap: true,
  legalComments: 'none',
  banner: {
    js: "import { createRequire as __deputyRequire } from 'node:module'; const require = __deputyRequire(import.meta.url);",
  },
  logLevel: 'warning',
});
