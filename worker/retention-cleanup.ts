/**
 * Deleting expired tasks. A finished task is invisible from its `expiresAt` on (the store filters
 * it out); this job deletes the documents in batches. It is a BullMQ job scheduler on a queue of
 * its own, so however many workers run, one cleanup runs per interval — not a timer in every
 * process.
 */
import { Queue, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { bullQueueName } from '../src/queue/task-queues.ts';
import type { Runtime } from '../src/runtime.ts';

/** The queue of taskql's own housekeeping jobs. */
export const MAINTENANCE_QUEUE = 'taskql.maintenance';
const SCHEDULER_ID = 'delete-expired-tasks';
const BATCH = 1000;

export class RetentionCleanup {
  readonly #runtime: Runtime;
  readonly #queue: Queue;
  readonly #worker: Worker;

  /** @param connection a connection that retries for ever (BullMQ workers block on Redis) */
  constructor(runtime: Runtime, connection: Redis) {
    this.#runtime = runtime;
    const options = { connection, prefix: runtime.config.redisPrefix };
    this.#queue = new Queue(bullQueueName(MAINTENANCE_QUEUE), options);
    this.#worker = new Worker(bullQueueName(MAINTENANCE_QUEUE), () => this.run(), { ...options, autorun: false });
    const warn = (err: Error) => runtime.logger.warn({ err }, 'retention cleanup error');
    this.#queue.on('error', warn);
    this.#worker.on('error', warn);
  }

  /** Schedule the cleanup (every worker does; the scheduler is one) and start serving it. */
  async start(): Promise<void> {
    await this.#queue.upsertJobScheduler(
      SCHEDULER_ID,
      { every: this.#runtime.config.cleanupIntervalMs },
      { name: SCHEDULER_ID, opts: { removeOnComplete: true, removeOnFail: true } },
    );
    void this.#worker.run();
    await this.#worker.waitUntilReady();
  }

  /** Delete every expired task now, batch by batch; resolves with how many were deleted. */
  async run(): Promise<number> {
    let total = 0;
    for (;;) {
      const deleted = await this.#runtime.store.deleteExpired(BATCH);
      total += deleted;
      if (deleted < BATCH) break;
    }
    if (total > 0) this.#runtime.logger.info({ deleted: total }, 'deleted expired tasks');
    return total;
  }

  async close(): Promise<void> {
    await this.#worker.close();
    await this.#queue.close();
  }
}
