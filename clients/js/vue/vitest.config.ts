import { defineConfig } from 'vitest/config';

// The node environment on purpose: no window, as during server-side rendering. The composables
// under test get a fake client and `ssr: false` where a browser is meant.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    environment: 'node',
    testTimeout: 10_000,
  },
});
