import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 20_000,
    hookTimeout: 20_000,
    pool: 'forks',
    globalSetup: ['./test/support/system-deps.ts'],
    reporters: ['default', './test/support/summary-reporter.ts'],
  },
});
