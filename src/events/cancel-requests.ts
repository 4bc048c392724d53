/**
 * Asking whichever worker runs a task's attempt to stop it, across processes. BullMQ's own
 * `worker.cancelJob` only reaches jobs of the worker object it is called on, so the request goes
 * through Redis: a key that says "cancel, because …" (read by a worker that starts the attempt
 * just after the request) and a message on the cancel channel (heard by the worker already
 * running it). On a Redis Cluster the channel is the task's shard's (`src/redis/shards.ts`) and
 * the key carries the shard's hash tag, so the two are written in one MULTI on one slot.
 */
import { redisCall } from '../errors.ts';
import type { RedisConnection } from '../redis/connections.ts';
import type { PubSub } from '../redis/pubsub.ts';
import { allTaskChannels, shardOf, shardTag, taskChannel } from '../redis/shards.ts';

/** Called with the task id and reason of each cancel request. */
export type CancelListener = (taskId: string, reason: string | null) => void;

/** How long an unanswered request is kept: long enough for any stalled job to be picked up again. */
const REQUEST_TTL_SECONDS = 24 * 3600;

export class CancelRequests {
  readonly #commands: RedisConnection;
  readonly #pubsub: PubSub;
  readonly #prefix: string;
  readonly #channel: string;
  readonly #listeners = new Set<CancelListener>();

  /**
   * @param commands a connection for ordinary commands
   * @param pubsub the process's pub/sub (its subscriber is shared with the event bus)
   * @param prefix the deployment's Redis prefix
   */
  constructor(commands: RedisConnection, pubsub: PubSub, prefix: string) {
    this.#commands = commands;
    this.#pubsub = pubsub;
    this.#prefix = prefix;
    this.#channel = `${prefix}:cancel-requests`;
  }

  /** Start hearing requests (workers only); resolves once Redis confirmed the subscription. */
  async listen(listener: CancelListener): Promise<void> {
    if (this.#listeners.size === 0) {
      await this.#pubsub.subscribe(allTaskChannels(this.#channel, this.#pubsub.sharded), (_channel, message) => {
        const { taskId, reason } = JSON.parse(message.toString()) as { taskId: string; reason: string | null };
        for (const l of this.#listeners) l(taskId, reason);
      });
    }
    this.#listeners.add(listener);
  }

  /** Ask for `taskId`'s running attempt to stop. */
  async request(taskId: string, reason: string | null): Promise<void> {
    const transaction = this.#commands.multi().set(this.#key(taskId), JSON.stringify({ reason }), 'EX', REQUEST_TTL_SECONDS);
    const channel = taskChannel(this.#channel, taskId, this.#pubsub.sharded);
    await redisCall(this.#pubsub.publishIn(transaction, channel, JSON.stringify({ taskId, reason })).exec());
  }

  /** The request standing for `taskId`, if any: `{ reason }`. */
  async pending(taskId: string): Promise<{ reason: string | null } | null> {
    const value = await this.#commands.get(this.#key(taskId));
    return value === null ? null : (JSON.parse(value) as { reason: string | null });
  }

  /** Forget the request (it was carried out, or the task is being run again). */
  async clear(taskId: string): Promise<void> {
    await this.#commands.del(this.#key(taskId));
  }

  #key(taskId: string): string {
    return `${this.#prefix}:cancel:${shardTag(shardOf(taskId))}:${taskId}`;
  }
}
