/**
 * vitest for one scenario that fails on purpose (`failing.fixture.ts`), run by
 * `test/integration/fault-log-tails.test.ts` to see what a failing fault test prints. The servers
 * are the parent test's, passed in MONGO_URL and REDIS_URL.
 */
import { defineConfig } from 'vitest/config';
import base from '../../../../vitest.config.ts';

export default defineConfig({
  resolve: base.resolve,
  test: {
    pool: 'forks',
    include: ['test/faults/support/failing-fleet/failing.fixture.ts'],
    provide: { mongoUrl: process.env['MONGO_URL'] ?? '', redisUrl: process.env['REDIS_URL'] ?? '' },
    testTimeout: 60_000,
  },
});
