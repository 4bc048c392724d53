/**
 * `npm run dev` on a machine with no servers and no way to fetch one: it tells what it tried and
 * what to install, once, with no stack trace. The embedded servers' downloads point at a closed
 * loopback port, so that the run is the same with or without internet access.
 */
import { mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { freePort } from '../../scripts/local-servers.ts';
import { runScript } from '../support/processes.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'taskql-no-servers-'));
  // A PATH with node alone: no redis-server, ferretdb, mongod, go or make.
  await symlink(process.execPath, join(dir, 'node'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

it('npm run dev with no servers to find or fetch says what it tried and what to install, without a stack trace', async () => {
  const closed = `https://127.0.0.1:${await freePort()}`;
  const { code, out } = await runScript('scripts/dev.ts', [], {
    PATH: dir,
    HOME: dir, // no ~/go/bin, no download caches
    MONGO_URL: '',
    REDIS_URL: '',
    TASKQL_TEST_MONGO: '',
    TASKQL_TEST_REDIS: '', // one Redis, the one this test is about
    MONGOMS_SYSTEM_BINARY: '',
    MONGOMS_DOWNLOAD_MIRROR: closed,
    MONGOMS_DOWNLOAD_DIR: join(dir, 'mongodb-binaries'),
    REDISMS_SYSTEM_BINARY: '',
    REDISMS_DOWNLOAD_MIRROR: closed,
    REDISMS_DOWNLOAD_DIR: join(dir, 'redis-binaries'),
  });
  expect(code, out).toBe(1);
  for (const tried of ['ferretdb', 'mongod', 'mongodb-memory-server', 'redis-server', 'redis-memory-server', 'MONGO_URL', 'REDIS_URL']) {
    expect(out, `names ${tried}`).toContain(tried);
  }
  expect(out, 'a stack trace').not.toMatch(/^\s+at /m);
  expect(out).not.toMatch(/AggregateError|DownloadError|\[cause\]/);
  expect(out.match(/No servers to run on/g), 'the advice, once').toHaveLength(1);
}, 60_000);
