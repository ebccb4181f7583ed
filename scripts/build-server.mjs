// Bundles the backend and its JavaScript dependencies into dist/server/main.mjs, so `npm start`
// runs one file, and the CLI into dist/server/cli.mjs, so it runs in production without tsx.
// Loading the TypeScript sources through tsx cost ~3 s of the cold start, and resolving and
// reading some 900 dependency modules one by one another ~0.9 s (bench/FINDINGS.md).
// better-sqlite3 stays external (a native addon), and so does pg-native, the optional addon `pg`
// looks for only when asked to (Deputy never does); CommonJS dependencies get a `require`.
import { build } from 'esbuild';

await build({
  entryPoints: { main: 'server/main.ts', cli: 'server/cli.ts' },
  outdir: 'dist/server',
  outExtension: { '.js': '.mjs' },
  bundle: true,
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
