/**
 * taskql's housekeeping jobs (deleting expired tasks, reconciling MongoDB with BullMQ), run as
 * BullMQ job schedulers on a queue of their own: however many workers there are, each chore runs
 * once per interval — not a timer in every process.
 */
import { Queue, Worker } from 'bullmq';
import type { RedisConnection } from '../src/redis/connections.ts';
import { bullQueueName } from '../src/queue/queue-names.ts';
import type { Runtime } from '../src/runtime.ts';

/** The queue of taskql's own housekeeping jobs. */
export const MAINTENANCE_QUEUE = 'taskql.maintenance';

/** A housekeeping job: its scheduler's id, how often it runs, and what it does. */
export interface Chore {
  name: string;
  everyMs: number;
  run: () => Promise<unknown>;
}

/**
 * Visit, a page at a time, everything `page` lists in id order (each call asks for what follows
 * `afterId`, at most `size` of them): how chores go through all of what they repair without
 * holding it all.
 */
export async function eachInPages<T extends { id: string }>(
  size: number,
  page: (size: number, afterId: string | null) => Promise<T[]>,
  visit: (item: T) => Promise<void>,
): Promise<void> {
  for (let after: string | null = null; ; ) {
    const items = await page(size, after);
    for (const item of items) await visit(item);
    if (items.length < size) return;
    after = items.at(-1)!.id;
  }
}

export class Maintenance {
  readonly #queue: Queue;
  readonly #worker: Worker;
  readonly #chores: Map<string, Chore>;

  /** @param connection a connection that retries for ever (BullMQ workers block on Redis) */
  constructor(runtime: Runtime, connection: RedisConnection, chores: Chore[]) {
    this.#chores = new Map(chores.map((c) => [c.name, c]));
    const options = { connection, prefix: runtime.config.redisPrefix };
    this.#queue = new Queue(bullQueueName(MAINTENANCE_QUEUE), options);
    this.#worker = new Worker(
      bullQueueName(MAINTENANCE_QUEUE),
      async (job) => this.#chores.get(job.name)?.run(),
      { ...options, autorun: false },
    );
    const warn = (err: Error) => runtime.logger.warn({ err }, 'maintenance error');
    this.#queue.on('error', warn);
    this.#worker.on('error', warn);
  }

  /** Schedule every chore (each worker does; a scheduler is one per name) and start serving them. */
  async start(): Promise<void> {
    for (const chore of this.#chores.values()) {
      await this.#queue.upsertJobScheduler(
        chore.name,
        { every: chore.everyMs },
        { name: chore.name, opts: { removeOnComplete: true, removeOnFail: true } },
      );
    }
    void this.#worker.run();
    await this.#worker.waitUntilReady();
  }

  async close(): Promise<void> {
    await this.#worker.close();
    await this.#queue.close();
  }
}
