// `npm start`: builds what is missing or stale (scripts/ensure-build.mjs; nothing where there are
// no sources), then runs the server bundle in this same process. A `prestart` script did the check
// in a Node process of its own, ~0.2 s of every start (bench/FINDINGS.md, "Cold start: first
// start"). package.json `exec`s this file, so it is npm's child and SIGTERM/SIGINT reach the
// server's handlers (server/main.ts) directly.
import { ensureBuild } from './ensure-build.mjs';

const problem = ensureBuild();
if (problem) {
  console.error(problem);
  process.exit(1);
}
await import('../dist/server/main.mjs');
