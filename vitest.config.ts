import { defineConfig } from 'vitest/config';

/**
 * Two projects: `unit` (no broker; topologies run in the test driver) and
 * `integration` (`*.int.test.ts`; one real stack per run, started by the
 * global setup, files run one at a time on these 2-core machines).
 */
export default defineConfig({
  resolve: { conditions: ['source'] },
  ssr: { resolve: { conditions: ['source'] } },
  test: {
    reporters: ['default', './libs/testing/src/vitest/summary-reporter.ts'],
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['{libs,services,e2e,bench,schemas,deploy}/**/test/**/*.test.ts'],
          exclude: ['**/*.int.test.ts', '**/node_modules/**'],
          // A hang guard, not a speed check: training and model tests take seconds when the 2 cores are busy (5 s default timed out).
          testTimeout: 60_000,
        },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['{libs,services,e2e,bench,schemas,deploy}/**/*.int.test.ts'],
          exclude: ['**/node_modules/**'],
          globalSetup: ['./libs/testing/src/vitest/stack-setup.ts'],
          fileParallelism: false,
          testTimeout: 180_000,
          hookTimeout: 300_000,
        },
      },
    ],
  },
});
