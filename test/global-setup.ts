import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

/**
 * Builds once before any test needs it: the widget into dist/widget/ and the operator console into
 * dist/console/ (the e2e and size tests) and
 * the server bundle into dist/server/ (the test of what `npm start` runs).
 */
export default function setup(): void {
  const built =
    existsSync('dist/widget/widget.js') &&
    existsSync('dist/console/index.html') &&
    existsSync('dist/server/main.mjs');
  if (built && process.env.DEPUTY_SKIP_BUILD === '1') return;
  execFileSync('npx', ['vite', 'build', '--logLevel', 'warn'], { stdio: 'inherit' });
  execFileSync('npx', ['vite', 'build', '-c', 'vite.console.config.ts', '--logLevel', 'warn'], {
    stdio: 'inherit',
  });
  execFileSync(process.execPath, ['scripts/build-server.mjs'], { stdio: 'inherit' });
}
