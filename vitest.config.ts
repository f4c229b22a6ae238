import { defineConfig } from 'vitest/config';

/** Tests that start processes, open sockets or run real parts; the rest are the unit tests (test/support/unit-isolation.ts). */
const INTEGRATION = ['test/integration/**/*.test.ts'];

export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Says once per run when the Redis tests are skipped (no redis-server here) and how to run them.
    globalSetup: ['test/support/redis-binary.ts'],
    projects: [
      {
        extends: true,
        test: { name: 'unit', include: ['test/**/*.test.ts'], exclude: INTEGRATION, setupFiles: ['test/support/unit-isolation.ts'] },
      },
      { extends: true, test: { name: 'integration', include: INTEGRATION } },
    ],
  },
});
