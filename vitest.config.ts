import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Says once per run when the Redis tests are skipped (no redis-server here) and how to run them.
    globalSetup: ['test/support/redis-binary.ts'],
  },
});
