/**
 * vitest: unit tests (test/unit/, no servers) and the tests on real servers (everything else
 * under test/) as two projects, so that `npm run test:unit` starts no servers — a project's
 * global setup runs only when some of its files are selected. The fault suite (test/faults/) has
 * a configuration of its own, `vitest.faults.config.ts` (`npm run test:faults`).
 */
import { configDefaults, defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: {
    // graphql 16 ships CommonJS (`main`) and ESM (`module`) copies without an `exports` map: Node
    // loads the CommonJS one for graphql-yoga and Pothos, and Vite would pick the ESM one for
    // our own files. Two copies break `instanceof GraphQLError` and schema checks ("Cannot use
    // GraphQLSchema from another module or realm"), so everything gets the CommonJS one, as in
    // production.
    alias: [{ find: /^graphql$/, replacement: 'graphql/index.js' }],
  },
  test: {
    // Child processes rather than worker threads: tests start servers and processes of their own.
    pool: 'forks',
    fileParallelism: true,
    maxWorkers: 2,
    testTimeout: 30_000,
    hookTimeout: 60_000,
    projects: [
      { extends: true, test: { name: 'unit', include: ['test/unit/**/*.test.ts'] } },
      {
        extends: true,
        test: {
          name: 'servers',
          include: ['test/**/*.test.ts'],
          exclude: [...configDefaults.exclude, 'test/unit/**', 'test/faults/**'],
          globalSetup: ['test/global-setup.ts'],
        },
      },
    ],
  },
});
