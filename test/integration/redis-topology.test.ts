/**
 * Events on a Redis Cluster go over sharded pub/sub: each of the task-changes channels lies in a
 * slot of its own, the masters share them, and each process's subscriber listens on every one, on
 * the master that serves it. On one Redis or Sentinel there is one classic channel.
 */
import type { Cluster } from 'ioredis';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { allTaskChannels, PUBSUB_SHARDS, taskChannel } from '../../src/redis/shards.ts';
import type { Runtime } from '../../src/runtime.ts';
import { startTestRuntime, testConfig } from '../support/runtime.ts';

const onCluster = inject('redisTopology') === 'cluster';
let runtime: Runtime;

beforeAll(async () => {
  runtime = await startTestRuntime(testConfig('redis_topology'));
});
afterAll(() => runtime.close());

it.skipIf(!onCluster)('spreads the task-changes channels over every master, each in a slot of its own, and subscribes to each where it lives (TASKQL_TEST_REDIS=cluster only)', async () => {
  const cluster = runtime.redis as Cluster;
  const channels = allTaskChannels(`${runtime.config.redisPrefix}:task-changes`, true);
  expect(channels).toHaveLength(PUBSUB_SHARDS);
  const slots = await Promise.all(channels.map(async (channel) => Number(await cluster.cluster('KEYSLOT', channel))));
  expect(new Set(slots).size).toBe(PUBSUB_SHARDS);

  const masters = cluster.nodes('master');
  const holding = new Set<string>();
  for (const master of masters) {
    // SHARDNUMSUB answers for the channels of the node's own slots: [channel, count, …].
    const counts = (await master.call('PUBSUB', 'SHARDNUMSUB', ...channels)) as (string | number)[];
    for (let i = 0; i < counts.length; i += 2) {
      if (Number(counts[i + 1]) > 0) holding.add(`${master.options.port}`);
    }
  }
  expect(masters).toHaveLength(3);
  expect(holding.size, 'masters with subscribed task-changes channels').toBe(3);
});

it.skipIf(onCluster)('keeps one classic channel for every task on one Redis or Sentinel (not on a cluster)', async () => {
  const base = `${runtime.config.redisPrefix}:task-changes`;
  expect(taskChannel(base, 'any-task', false)).toBe(base);
  const counts = (await runtime.redis.call('PUBSUB', 'NUMSUB', base)) as (string | number)[];
  expect(Number(counts[1])).toBeGreaterThan(0);
});
