import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['**/*.test.ts'],
    exclude: ['node_modules/**', 'dist/**'],
    // A loaded 2-core CI machine: generous timeouts, assertions never on wall-clock speed.
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
