// `npm start` builds what is missing or older than its sources, so a fresh clone needs only
// `npm install && npm start`: the widget (vite) into dist/widget/, the backend (esbuild) into
// dist/server/ (dependencies included).
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';

function newest(...paths) {
  let t = 0;
  for (const p of paths) {
    if (!statSync(p).isDirectory()) {
      t = Math.max(t, statSync(p).mtimeMs);
      continue;
    }
    for (const e of readdirSync(p, { withFileTypes: true })) t = Math.max(t, newest(path.join(p, e.name)));
  }
  return t;
}
const stale = (out, ...sources) => !existsSync(out) || newest(...sources) > statSync(out).mtimeMs;

if (stale('dist/widget/widget.js', 'widget', 'shared', 'package-lock.json')) {
  console.log('[deputy] building the widget…');
  execFileSync('npx', ['vite', 'build', '--logLevel', 'warn'], { stdio: 'inherit' });
}
if (stale('dist/console/index.html', 'console', 'shared', 'package-lock.json')) {
  console.log('[deputy] building the operator console…');
  execFileSync('npx', ['vite', 'build', '-c', 'vite.console.config.ts', '--logLevel', 'warn'], {
    stdio: 'inherit',
  });
}
// The server bundle holds the dependencies too: a new lock file means a rebuild.
if (stale('dist/server/main.mjs', 'server', 'shared', 'demo', 'package-lock.json')) {
  console.log('[deputy] building the server…');
  execFileSync(process.execPath, ['scripts/build-server.mjs'], { stdio: 'inherit' });
}
