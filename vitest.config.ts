import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'test/**/*.test.tsx'],
    environment: 'node',
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Two cores on CI: end-to-end files start a server and a browser each.
    maxWorkers: 2,
    globalSetup: ['test/global-setup.ts'],
  },
});
