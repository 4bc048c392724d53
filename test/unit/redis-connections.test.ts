import { Cluster, Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { createRedisConnection } from '../../src/redis/connections.ts';
import type { RedisTopology } from '../../src/redis/topology.ts';

const cluster: RedisTopology = { kind: 'cluster', nodes: [{ host: 'r1', port: 7000 }], password: 'secret' };
const sentinel: RedisTopology = { kind: 'sentinel', sentinels: [{ host: 's1', port: 26379 }], name: 'tasks', password: 'secret' };

describe('createRedisConnection', () => {
  it('makes fail-fast command connections, and blocking ones that retry for ever, on every topology', () => {
    const single = createRedisConnection({ kind: 'single', url: 'redis://r:6379' }, 'commands', 1500) as Redis;
    expect(single.options).toMatchObject({ host: 'r', port: 6379, enableOfflineQueue: false, maxRetriesPerRequest: 1, connectTimeout: 1500, lazyConnect: true });
    const blocking = createRedisConnection(sentinel, 'blocking', 1500) as Redis;
    expect(blocking.options).toMatchObject({ sentinels: [{ host: 's1', port: 26379 }], name: 'tasks', password: 'secret', maxRetriesPerRequest: null });
    blocking.disconnect();
    const commands = createRedisConnection(cluster, 'commands', 1500);
    expect(commands).toBeInstanceOf(Cluster);
    expect((commands as Cluster).options).toMatchObject({
      enableOfflineQueue: false,
      lazyConnect: true,
      shardedSubscribers: false,
      redisOptions: { password: 'secret', maxRetriesPerRequest: 1, connectTimeout: 1500 },
    });
  });

  it('makes publishers fail fast and gather the publishes of one event-loop turn into one write', () => {
    const single = createRedisConnection({ kind: 'single', url: 'redis://r:6379' }, 'publisher', 1500) as Redis;
    expect(single.options).toMatchObject({ enableOfflineQueue: false, maxRetriesPerRequest: 1, enableAutoPipelining: true, lazyConnect: true });
    const clustered = createRedisConnection(cluster, 'publisher', 1500) as Cluster;
    expect(clustered.options).toMatchObject({ enableOfflineQueue: false, enableAutoPipelining: true, shardedSubscribers: false });
  });

  it('gives a cluster subscriber one connection per master for sharded pub/sub', () => {
    const subscriber = createRedisConnection(cluster, 'subscriber', 1500) as Cluster;
    expect(subscriber.options).toMatchObject({ shardedSubscribers: true, lazyConnect: true, redisOptions: { password: 'secret' } });
  });
});
