// `npm start` and `npm run deputy` build what is missing or older than its sources, so a fresh
// clone needs only `npm install && npm start`: the widget (vite) into dist/widget/, the backend
// and CLI (esbuild) into dist/server/ (dependencies included). A production copy (a packed
// artifact installed with --omit=dev) has dist/ but neither the sources nor the build tools: there
// this does nothing. Messages go to stderr, so `npm run deputy -- token …` prints only the token.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';

function newest(...paths) {
  let t = 0;
  for (const p of paths) {
    if (!existsSync(p)) continue;
    if (!statSync(p).isDirectory()) {
      t = Math.max(t, statSync(p).mtimeMs);
      continue;
    }
    for (const e of readdirSync(p, { withFileTypes: true })) t = Math.max(t, newest(path.join(p, e.name)));
  }
  return t;
}
const stale = (out, ...sources) => !existsSync(out) || newest(...sources) > statSync(out).mtimeMs;
const haveSources = existsSync('server/main.ts') && existsSync('widget');
const haveTools = existsSync('node_modules/vite') && existsSync('node_modules/esbuild');
const outputs = ['dist/widget/widget.js', 'dist/server/main.mjs', 'dist/server/cli.mjs'];

if (!haveSources || !haveTools) {
  const missing = outputs.filter((f) => !existsSync(f));
  if (missing.length > 0) {
    console.error(
      `[deputy] ${missing.join(', ')} missing and cannot be built here (${haveSources ? 'no build tools: run npm install with dev dependencies' : 'no sources'}).`,
    );
    process.exit(1);
  }
  process.exit(0);
}
if (stale('dist/widget/widget.js', 'widget', 'shared', 'package-lock.json')) {
  console.error('[deputy] building the widget…');
  execFileSync('npx', ['vite', 'build', '--logLevel', 'warn'], { stdio: ['ignore', 2, 2] });
}
if (stale('dist/console/index.html', 'console', 'shared', 'package-lock.json')) {
  console.log('[deputy] building the operator console…');
  execFileSync('npx', ['vite', 'build', '-c', 'vite.console.config.ts', '--logLevel', 'warn'], {
    stdio: 'inherit',
  });
}
// The server bundle holds the dependencies too: a new lock file means a rebuild.
const serverSources = ['server', 'shared', 'demo', 'package-lock.json'];
if (stale('dist/server/main.mjs', ...serverSources) || stale('dist/server/cli.mjs', ...serverSources)) {
  console.error('[deputy] building the server…');
  execFileSync(process.execPath, ['scripts/build-server.mjs'], { stdio: ['ignore', 2, 2] });
}
