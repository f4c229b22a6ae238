import { defineConfig } from 'vitest/config';

/** Tests that start processes, open sockets or run real parts; the rest are the unit tests (test/support/unit-isolation.ts). */
const INTEGRATION = ['test/integration/**/*.test.ts'];

export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 60_000,
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['test/**/*.test.ts'],
          exclude: INTEGRATION,
          setupFiles: ['test/support/unit-isolation.ts'],
        },
      },
      // The Redis tests are integration tests. The global setup says once when they are skipped (no
      // redis-server here) and how to run them; set at the root, it would run for the root and each project.
      {
        extends: true,
        test: { name: 'integration', include: INTEGRATION, globalSetup: ['test/support/redis-binary.ts'] },
      },
    ],
  },
});
