// `npm start` builds what is missing or older than its sources, so a fresh clone needs only
// `npm install && npm start`: the widget (vite) into dist/widget/, the backend (esbuild) into
// dist/server/.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';

function newest(...dirs) {
  let t = 0;
  for (const dir of dirs) {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      t = Math.max(t, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
    }
  }
  return t;
}
const stale = (out, ...sources) => !existsSync(out) || newest(...sources) > statSync(out).mtimeMs;

if (stale('dist/widget/widget.js', 'widget', 'shared')) {
  console.log('[deputy] building the widget…');
  execFileSync('npx', ['vite', 'build', '--logLevel', 'warn'], { stdio: 'inherit' });
}
if (stale('dist/server/main.mjs', 'server', 'shared', 'demo')) {
  console.log('[deputy] building the server…');
  execFileSync(process.execPath, ['scripts/build-server.mjs'], { stdio: 'inherit' });
}
