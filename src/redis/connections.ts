/**
 * Every Redis connection of a taskql process is made here, for the topology configuration names
 * and the purpose it serves, so the API, the worker and the queues connect alike to one Redis, a
 * Redis Cluster or a Sentinel-watched master. Routing, redirection and failover are ioredis'
 * own (`Cluster`, and `Redis` with `sentinels`).
 */
import { Cluster, Redis, type ClusterOptions, type RedisOptions } from 'ioredis';
import type { RedisTopology } from './topology.ts';

/** A connection to any topology: ioredis' `Cluster` and `Redis` share the commands taskql uses. */
export type RedisConnection = Redis | Cluster;

/**
 * What a connection is for:
 * - `commands`: ordinary commands that fail at once while Redis is away, instead of queueing
 *   until it is back, so a request can answer SERVICE_UNAVAILABLE rather than hang;
 * - `publisher`: publishing, fail-fast like `commands`, with ioredis' auto-pipelining, which
 *   defers a command with `setImmediate` so every publish of one event-loop turn shares one
 *   write (a connection of its own, since BullMQ's scripts and MULTIs on `commands` must not be
 *   batched along: bull#2276, bullmq#457);
 * - `subscriber`: pub/sub (on a cluster also sharded pub/sub, one connection per master);
 * - `blocking`: BullMQ workers, which block on Redis and must retry for ever across outages.
 */
export type ConnectionPurpose = 'commands' | 'publisher' | 'subscriber' | 'blocking';

/**
 * A new connection to `topology` for `purpose`. `blocking` connections connect at once (BullMQ
 * waits for them itself); the others when `connect()` is called.
 *
 * @param timeoutMs how long connecting may take before it counts as failed
 */
export function createRedisConnection(topology: RedisTopology, purpose: ConnectionPurpose, timeoutMs: number): RedisConnection {
  const options: RedisOptions = {
    connectTimeout: timeoutMs,
    ...(purpose !== 'blocking' && { lazyConnect: true }),
    ...((purpose === 'commands' || purpose === 'publisher') && { enableOfflineQueue: false, maxRetriesPerRequest: 1 }),
    ...(purpose === 'publisher' && { enableAutoPipelining: true }),
    ...(purpose === 'blocking' && { maxRetriesPerRequest: null }),
  };
  switch (topology.kind) {
    case 'single':
      return new Redis(topology.url, options);
    case 'sentinel':
      return new Redis({
        ...options,
        sentinels: topology.sentinels.map((node) => ({ ...node })),
        name: topology.name,
        ...(topology.password !== null && { password: topology.password }),
      });
    case 'cluster': {
      const { lazyConnect, enableOfflineQueue, enableAutoPipelining, ...nodeOptions } = options;
      const clusterOptions: ClusterOptions = {
        ...(lazyConnect !== undefined && { lazyConnect }),
        ...(enableOfflineQueue !== undefined && { enableOfflineQueue }),
        // Pipelines on a cluster are gathered per slot, so a task's channel stays in order.
        ...(enableAutoPipelining !== undefined && { enableAutoPipelining }),
        // One connection per master for SSUBSCRIBE: the event bus's sharded channels.
        shardedSubscribers: purpose === 'subscriber',
        redisOptions: { ...nodeOptions, ...(topology.password !== null && { password: topology.password }) },
      };
      return new Cluster(
        topology.nodes.map((node) => ({ ...node })),
        clusterOptions,
      );
    }
  }
}

/** Whether `connection` is to a Redis Cluster (and so pub/sub there is sharded). */
export function isCluster(connection: RedisConnection): connection is Cluster {
  return connection instanceof Cluster;
}
