/**
 * The channels of per-task messages. On a Redis Cluster a message goes to one of
 * `PUBSUB_SHARDS` sharded channels, chosen by a hash of the task id, each channel in a slot of its
 * own, so the cluster's masters share the traffic instead of every node copying every message
 * (classic PUBLISH is broadcast over the whole cluster). On one Redis (or Sentinel) each kind of
 * message keeps its one channel.
 */
import { crc32 } from 'node:zlib';

/**
 * How many shards per-task messages are spread over on a cluster. Fixed: every process of a
 * deployment must agree on it, since a publisher and its subscribers meet on the same channel.
 */
export const PUBSUB_SHARDS = 16;

/** The shard of `taskId`: a stable hash, so every process picks the same one. */
export function shardOf(taskId: string): number {
  return crc32(taskId) % PUBSUB_SHARDS;
}

/**
 * The Redis Cluster hash tag of `shard`. Keys that a script or a MULTI uses together with a
 * sharded channel carry it too, so they hash to the channel's slot (`cancel-requests.ts`).
 */
export function shardTag(shard: number): string {
  return `{shard-${shard}}`;
}

/**
 * The channel of `taskId`'s messages of one kind: `base` itself unless `sharded`, else `base`
 * with the hash tag of the task's shard.
 *
 * @param base the kind's channel name, under the deployment's prefix (`taskql:task-changes`)
 */
export function taskChannel(base: string, taskId: string, sharded: boolean): string {
  return sharded ? `${base}:${shardTag(shardOf(taskId))}` : base;
}

/** Every channel `taskChannel` may give for `base`: what a listener to all tasks subscribes to. */
export function allTaskChannels(base: string, sharded: boolean): string[] {
  return sharded ? Array.from({ length: PUBSUB_SHARDS }, (_, shard) => `${base}:${shardTag(shard)}`) : [base];
}
