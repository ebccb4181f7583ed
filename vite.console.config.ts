/**
 * The operator console (docs/console.md): its own Preact bundle, built into dist/console/ and served
 * by the backend at /console. Separate from the widget so neither weighs on the other's budget.
 */
import { defineConfig } from 'vite';

export default defineConfig({
  root: 'console',
  base: '/console/',
  logLevel: 'warn',
  build: {
    outDir: '../dist/console',
    emptyOutDir: true,
    target: 'es2020',
    assetsDir: 'assets',
  },
});
