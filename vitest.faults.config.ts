/**
 * vitest for the fault suite (`npm run test:faults`): real processes killed and restarted on real
 * servers (README, "Guarantees"). One file at a time — each loads the machine on purpose, and its
 * timings and reports must not be another file's noise.
 */
import { defineConfig } from 'vitest/config';
import base from './vitest.config.ts';

export default defineConfig({
  resolve: base.resolve,
  test: {
    pool: 'forks',
    fileParallelism: false,
    include: ['test/faults/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 150_000,
    hookTimeout: 60_000,
  },
});
