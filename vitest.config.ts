import { availableParallelism } from 'node:os';
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
    // A worker runs its files one after another and keeps their modules loaded: the SDK, the
    // handlers and the compiled state machine are imported once per worker, not once per file
    // (about half the suite's CPU time). Every file closes what it starts.
    isolate: false,
    // One worker per core (vitest's default keeps one core free: on a 2-core machine that is a
    // single worker, and the suite takes about a third longer). Nothing else runs during `npm test`.
    maxWorkers: availableParallelism(),
    // Transformed modules are kept on disk (node_modules/.experimental-vitest-cache, keyed by
    // content), so a run after the first does not transform the TypeScript again.
    experimental: { fsModuleCache: true },
  },
});
