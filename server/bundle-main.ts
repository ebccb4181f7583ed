import module from 'node:module';

/**
 * The entry of the server bundle (dist/server/main.mjs, what `npm start` and the production command
 * run; scripts/build-server.mjs). It holds nothing but this, so V8's compile cache is on before the
 * server's code (server/main.ts and its dependencies, in chunks beside it) is compiled: from Node
 * 22.1 a start reuses the code compiled by the previous one (bench/FINDINGS.md, "Cold start: first
 * start"). The cache lives where NODE_COMPILE_CACHE says, else in the OS temp folder; where neither
 * is writable, or on Node 20 (no such API), the server starts the same, only compiling everything.
 */
const enableCompileCache = (module as { enableCompileCache?: () => unknown }).enableCompileCache;
enableCompileCache?.();

await import('./main.js');
