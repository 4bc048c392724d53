/**
 * vitest for one scenario that fails on purpose (`failing.fixture.ts`), run by
 * `test/integration/fault-log-tails.test.ts` to see what a failing fault test prints. The servers
 * are the parent test's, passed in MONGO_URL and the Redis variables (REDIS_URL, or the cluster's
 * or Sentinel's).
 */
import { defineConfig } from 'vitest/config';
import base from '../../../../vitest.config.ts';

export default defineConfig({
  resolve: base.resolve,
  test: {
    pool: 'forks',
    include: ['test/faults/support/failing-fleet/failing.fixture.ts'],
    provide: {
      mongoUrl: process.env['MONGO_URL'] ?? '',
      redisEnv: Object.fromEntries(
        ['REDIS_URL', 'REDIS_CLUSTER_NODES', 'REDIS_SENTINELS', 'REDIS_SENTINEL_NAME'].flatMap((name) => (process.env[name] ? [[name, process.env[name]]] : [])),
      ),
    },
    testTimeout: 60_000,
  },
});
