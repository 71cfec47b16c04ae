import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    setupFiles: ['test/setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Integration suites each start their own in-process DynamoDB and HTTP server on port 0,
    // so files can run in parallel safely.
    pool: 'forks',
  },
});
