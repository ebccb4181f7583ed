// Bundles the backend's own TypeScript into dist/server/main.mjs (packages stay external), so
// `npm start` runs plain JavaScript: loading the sources through tsx cost ~3 s of the cold start.
import { build } from 'esbuild';

await build({
  entryPoints: { main: 'server/main.ts' },
  outdir: 'dist/server',
  outExtension: { '.js': '.mjs' },
  bundle: true,
  packages: 'external',
  platform: 'node',
  format: 'esm',
  target: 'node20.19',
  sourcemap: true,
  logLevel: 'warning',
});
