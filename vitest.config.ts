import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'test/**/*.test.tsx'],
    testTimeout: 30_000,
    // Live suites start many real containers; run files one at a time so that a 2-core machine's
    // load does not delay the audit log past the short-lived processes under test.
    fileParallelism: false,
    hookTimeout: 60_000,
  },
});
