import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

/** Builds the widget once before any test needs `dist/widget/` (the e2e and size tests do). */
export default function setup(): void {
  if (existsSync('dist/widget/widget.js') && process.env.DEPUTY_SKIP_BUILD === '1') return;
  if (!existsSync('vite.config.ts')) return;
  execFileSync('npx', ['vite', 'build', '--logLevel', 'warn'], { stdio: 'inherit' });
}
