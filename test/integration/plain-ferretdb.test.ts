/**
 * TASKQL_FERRETDB_PATCH=off: the local FerretDB is started plain, without the `_id` index
 * `scripts/ferretdb-id-indexes.ts` gives it, as anyone running their own FerretDB has it — the
 * slower store the soak is run on to see how taskql answers when its store falls behind.
 */
import { afterEach, expect, inject, it, vi } from 'vitest';
import { startLocalServers, type LocalServers } from '../../scripts/local-servers.ts';

let servers: LocalServers | undefined;
afterEach(async () => {
  await servers?.stop();
  vi.unstubAllEnvs();
});

it('TASKQL_FERRETDB_PATCH=off starts FerretDB without the _id index, and says so', async () => {
  vi.stubEnv('TASKQL_FERRETDB_PATCH', 'off');
  servers = await startLocalServers({ env: inject('redisEnv'), mongoServer: 'ferretdb' });
  expect(servers.describe).toMatch(/FerretDB \S+ \(SQLite, plain: TASKQL_FERRETDB_PATCH=off\)/);
  expect(servers.describe).not.toContain('_id index');
});
