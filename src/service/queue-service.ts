/**
 * What the API says about queues and the workers serving them: counts per state and live
 * workers. (`QueueStatsFeeds` makes the live subscription of these counts.)
 */
import { hasScope, type Principal } from '../auth/principal.ts';
import { ForbiddenError } from '../errors.ts';
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

  /** Statistics of every known queue, counting the tasks `principal` may see. */
  stats(principal: Principal): Promise<QueueStats[]> {
    return this.count(statsOwner(principal), null);
  }

  /** The live worker processes. */
  workers(principal: Principal): Promise<WorkerInfo[]> {
    statsOwner(principal); // same right as statistics
    return this.#workers.live();
  }

  /**
   * Statistics of `queue`, or of every known queue when null (those registered types use, those
   * holding retained tasks, and those live workers serve), sorted by name; counting the tasks of
   * `owner` only, or everyone's when null.
   */
  async count(owner: string | null, queue: string | null): Promise<QueueStats[]> {
    const [counts, workers] = await Promise.all([
      this.#store.countByQueue(owner, queue === null ? undefined : [queue]),
      this.#workers.live(),
    ]);
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

}

/**
 * Whose tasks `principal`'s statistics count: everyone's for an admin, else its own. A task token
 * may read its tasks and nothing else: FORBIDDEN.
 */
export function statsOwner(principal: Principal): string | null {
  if (principal.taskIds || !hasScope(principal, 'tasks:read')) throw new ForbiddenError('this needs the tasks:read scope');
  return principal.scopes.has('admin') ? null : principal.owner;
}
