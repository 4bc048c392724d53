/**
 * The live worker processes, in Redis: each worker writes its description and a heartbeat, and
 * anyone can list the ones whose heartbeat is recent. A worker that stops beating (killed, cut
 * off) drops out of the list once its heartbeat is older than the time-to-live; one that shuts
 * down cleanly removes itself at once.
 *
 * Two keys per deployment: a sorted set of worker ids scored by last heartbeat (cheap range
 * queries for "alive since") and a hash of their descriptions. One hash tag holds both, so the
 * MULTIs that write them together run on one slot of a Redis Cluster.
 */
import type { RedisConnection } from '../redis/connections.ts';
import { redisCall } from '../errors.ts';

/** What a worker process says about itself. */
export interface WorkerInfo {
  id: string;
  hostname: string;
  pid: number;
  queues: string[];
  concurrency: number;
  startedAt: Date;
  heartbeatAt: Date;
}

export class WorkerRegistry {
  readonly #redis: RedisConnection;
  readonly #beats: string;
  readonly #infos: string;
  readonly #ttlMs: number;

  /**
   * @param ttlMs how old a heartbeat may be before its worker counts as gone
   */
  constructor(redis: RedisConnection, prefix: string, ttlMs: number) {
    this.#redis = redis;
    this.#beats = `{${prefix}:workers}:beats`;
    this.#infos = `{${prefix}:workers}:info`;
    this.#ttlMs = ttlMs;
  }

  /** Record a heartbeat of `info` (registering it on the first). */
  async beat(info: WorkerInfo): Promise<void> {
    await this.#redis
      .multi()
      .zadd(this.#beats, info.heartbeatAt.getTime(), info.id)
      .hset(this.#infos, info.id, JSON.stringify(info))
      .exec();
  }

  /** Remove a worker that is shutting down. */
  async remove(id: string): Promise<void> {
    await this.#redis.multi().zrem(this.#beats, id).hdel(this.#infos, id).exec();
  }

  /** The workers alive now, oldest first; forgets those whose heartbeat is too old. */
  async live(now = new Date()): Promise<WorkerInfo[]> {
    return redisCall(this.#live(now.getTime() - this.#ttlMs));
  }

  async #live(horizon: number): Promise<WorkerInfo[]> {
    const gone = await this.#redis.zrangebyscore(this.#beats, '-inf', `(${horizon}`);
    if (gone.length > 0) {
      await this.#redis.multi().zremrangebyscore(this.#beats, '-inf', `(${horizon}`).hdel(this.#infos, ...gone).exec();
    }
    const ids = await this.#redis.zrangebyscore(this.#beats, horizon, '+inf');
    if (ids.length === 0) return [];
    const infos = await this.#redis.hmget(this.#infos, ...ids);
    return infos.flatMap((json) => {
      if (!json) return [];
      const info = JSON.parse(json) as WorkerInfo & { startedAt: string; heartbeatAt: string };
      return [{ ...info, startedAt: new Date(info.startedAt), heartbeatAt: new Date(info.heartbeatAt) }];
    }).sort((a, b) => a.startedAt.getTime() - b.startedAt.getTime());
  }
}
