import { mkdirSync } from 'node:fs';
import module from 'node:module';
import path from 'node:path';

/**
 * The entry of the server bundle (dist/server/main.mjs, what `npm start` and the production command
 * run; scripts/build-server.mjs). It holds nothing but this, so V8's compile cache is on before the
 * server's code (server/main.ts and its dependencies, in chunks beside it) is compiled: from Node
 * 22.1 a start reuses the code compiled by the previous one (bench/FINDINGS.md, "Cold start: first
 * start"). The cache holds code the server runs, so by default it lives in the data dir (created
 * 0700, as the store does), not in a shared temp folder; NODE_COMPILE_CACHE overrides that. Where
 * it cannot be written, or on Node 20 (no such API), the server starts the same, compiling everything.
 */
const enableCompileCache = (module as { enableCompileCache?: (dir?: string) => unknown }).enableCompileCache;
if (enableCompileCache && !process.env.NODE_COMPILE_CACHE && !process.env.NODE_DISABLE_COMPILE_CACHE) {
  const dir = path.resolve(process.env.DEPUTY_DATA_DIR ?? './data', 'compile-cache');
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    enableCompileCache(dir);
  } catch {
    // A read-only data dir: start without the cache.
  }
} else {
  enableCompileCache?.();
}

await import('./main.js');
