// Bundles the backend and its JavaScript dependencies into dist/server/main.mjs, so `npm start`
// runs one file, and the CLI into dist/server/cli.mjs, so it runs in production without tsx.
// Loading the TypeScript sources through tsx cost ~3 s of the cold start, and resolving and
// reading some 900 dependency modules one by one another ~0.9 s (bench/FINDINGS.md).
// better-sqlite3 stays external (a native addon); CommonJS dependencies get a `require`.
import { build } from 'esbuild';

await build({
  entryPoints: { main: 'server/main.ts', cli: 'server/cli.ts' },
  outdir: 'dist/server',
  outExtension: { '.js': '.mjs' },
  bundle: true,
  external: ['better-sqlite3'],
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
