import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Compiles dist/ first when a source is newer (tests spawn dist/cli/main.js and others).
    globalSetup: ['test/global-setup.ts'],
  },
});
