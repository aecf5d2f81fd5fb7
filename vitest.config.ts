import { defineConfig } from 'vitest/config';

/**
 * Two tiers. `npm test` runs both (what CI runs); `npm run test:fast` runs the fast one for
 * everyday work (under a minute on a 2-core machine). A test file belongs in SLOW when it
 * starts processes, runs whole experiments or takes seconds on its own.
 */
const SLOW = [
  'test/**/*.test.ts',
  'learners/export/export.test.ts',
  'learners/export/bad-input.test.ts',
  // Fault injection over real HTTP with real stalls and timeouts (seconds of wall time).
  'harness/pool/sim/faults.test.ts',
  // Worker processes (issue 17).
  'harness/scale/fork-pool.test.ts',
  'learners/protocol/parallel.test.ts',
];

export default defineConfig({
  test: {
    // A loaded 2-core CI machine: generous timeouts, assertions never on wall-clock speed.
    testTimeout: 30_000,
    hookTimeout: 30_000,
    projects: [
      {
        extends: true,
        test: { name: 'fast', include: ['**/*.test.ts'], exclude: ['node_modules/**', 'dist/**', ...SLOW] },
      },
      { extends: true, test: { name: 'slow', include: SLOW, exclude: ['node_modules/**', 'dist/**'] } },
    ],
  },
});
