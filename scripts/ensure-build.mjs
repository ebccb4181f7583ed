// `npm start` (through scripts/start.mjs, in the server's own process) and `npm run deputy` (as
// its predeputy script) build what is missing or older than its sources, so a fresh clone needs
// only `npm install && npm start`: the widget and the operator console (vite) into dist/, the
// backend and CLI (esbuild) into dist/server/ (dependencies included). A production copy (a packed
// artifact installed with --omit=dev) has dist/ but neither the sources nor the build tools: there
// this does nothing. Messages go to stderr, so `npm run deputy -- token …` prints only the token.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/**
 * Builds what is missing or stale under `root`; returns null, or why dist/ cannot run (missing
 * and no way to build it here). The check walks each source folder once (~270 files, ~20 ms).
 */
export function ensureBuild(root = ROOT) {
  const at = (p) => path.join(root, p);
  const mtime = (p) => statSync(at(p), { throwIfNoEntry: false })?.mtimeMs;
  const newestCache = new Map();
  // The newest modification time of a file or of any file below a folder (0 when absent).
  const newestIn = (dir) => {
    let t = 0;
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      t = Math.max(t, e.isDirectory() ? newestIn(p) : statSync(p).mtimeMs);
    }
    return t;
  };
  const newest = (p) => {
    let t = newestCache.get(p);
    if (t === undefined) {
      const s = statSync(at(p), { throwIfNoEntry: false });
      t = !s ? 0 : s.isDirectory() ? newestIn(at(p)) : s.mtimeMs;
      newestCache.set(p, t);
    }
    return t;
  };
  const stale = (out, ...sources) => {
    const built = mtime(out);
    return built === undefined || sources.some((s) => newest(s) > built);
  };
  const run = (args) => execFileSync(args[0], args.slice(1), { cwd: root, stdio: ['ignore', 2, 2] });

  const haveSources = existsSync(at('server/main.ts')) && existsSync(at('widget'));
  const haveTools = existsSync(at('node_modules/vite')) && existsSync(at('node_modules/esbuild'));
  if (!haveSources || !haveTools) {
    const outputs = ['dist/widget/widget.js', 'dist/server/main.mjs', 'dist/server/cli.mjs'];
    const missing = outputs.filter((f) => !existsSync(at(f)));
    if (missing.length === 0) return null;
    return `[deputy] ${missing.join(', ')} missing and cannot be built here (${haveSources ? 'no build tools: run npm install with dev dependencies' : 'no sources'}).`;
  }
  if (stale('dist/widget/widget.js', 'widget', 'shared', 'package-lock.json')) {
    console.error('[deputy] building the widget…');
    run(['npx', 'vite', 'build', '--logLevel', 'warn']);
  }
  if (stale('dist/console/index.html', 'console', 'shared', 'package-lock.json')) {
    console.error('[deputy] building the operator console…');
    run(['npx', 'vite', 'build', '-c', 'vite.console.config.ts', '--logLevel', 'warn']);
  }
  // The server bundle holds the dependencies too: a new lock file means a rebuild.
  const serverSources = ['server', 'shared', 'demo', 'package-lock.json'];
  if (stale('dist/server/main.mjs', ...serverSources) || stale('dist/server/cli.mjs', ...serverSources)) {
    console.error('[deputy] building the server…');
    run([process.execPath, 'scripts/build-server.mjs']);
  }
  return null;
}

// Run as a script (predeputy): exit 1 when dist/ cannot run.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const problem = ensureBuild();
  if (problem) {
    console.error(problem);
    process.exit(1);
  }
}
