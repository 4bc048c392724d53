/**
 * What the API says about queues and the workers serving them: counts per state and live
 * workers. (`QueueStatsFeeds` makes the live subscription of these counts.)
 */
import type { QueueStats } from '../events/queue-stats-feeds.ts';
import type { WorkerInfo, WorkerRegistry } from '../queue/worker-registry.ts';
import type { TaskStore } from '../store/task-store.ts';
import type { TaskTypeRegistry } from '../tasks/registry.ts';

export class QueueService {
  readonly #store: TaskStore;
  readonly #workers: WorkerRegistry;
  readonly #types: TaskTypeRegistry;

  constructor(deps: { store: TaskStore; workers: WorkerRegistry; types: TaskTypeRegistry }) {
    this.#store = deps.store;
    this.#workers = deps.workers;
    this.#types = deps.types;
  }

  /**
   * Statistics of `queue`, or of every known queue when null: those registered types use, those
   * holding retained tasks, and those live workers serve. Sorted by name.
   */
  async stats(queue: string | null = null): Promise<QueueStats[]> {
    const [counts, workers] = await Promise.all([this.#store.countByQueue(queue === null ? undefined : [queue]), this.#workers.live()]);
    const names =
      queue === null ? new Set([...this.#types.queues(), ...counts.keys(), ...workers.flatMap((w) => w.queues)]) : new Set([queue]);
    return [...names].sort().map((name) => {
      const c = counts.get(name);
      return {
        name,
        pending: c?.PENDING ?? 0,
        scheduled: c?.SCHEDULED ?? 0,
        running: c?.RUNNING ?? 0,
        retrying: c?.RETRYING ?? 0,
        succeeded: c?.SUCCEEDED ?? 0,
        failed: c?.FAILED ?? 0,
        cancelled: c?.CANCELLED ?? 0,
        workers: workers.filter((w) => w.queues.includes(name)).length,
      };
    });
  }

  /** The live worker processes. */
  workers(): Promise<WorkerInfo[]> {
    return this.#workers.live();
  }
}
