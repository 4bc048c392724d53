/**
 * What the API says about queues and the workers serving them: counts per state and live
 * workers. (`QueueStatsFeeds` makes the live subscription of these counts.)
 */
import { hasScope, type Principal } from '../auth/principal.ts';
import { ForbiddenError, InvalidInputError } from '../errors.ts';
import type { QueueStats } from '../events/queue-stats-feeds.ts';
import type { QueueLimits } from '../model/limits.ts';
import type { Task, WaitReason } from '../model/task.ts';
import type { FlowLimiter } from '../queue/flow-limiter.ts';
import type { TaskQueues } from '../queue/task-queues.ts';
import type { WorkerInfo, WorkerRegistry } from '../queue/worker-registry.ts';
import type { TaskStore } from '../store/task-store.ts';
import type { TaskTypeRegistry } from '../tasks/registry.ts';

/**
 * How long the set of paused queues, and whether a queue is at its queue-wide limits, is reused
 * for `Task.waitReason` before Redis is asked again.
 */
const PAUSED_CACHE_MS = 500;

export class QueueService {
  readonly #store: TaskStore;
  readonly #workers: WorkerRegistry;
  readonly #types: TaskTypeRegistry;
  readonly #queues: TaskQueues;
  readonly #configuredQueues: readonly string[];
  readonly #queueLimits: ReadonlyMap<string, QueueLimits>;
  readonly #limiter: FlowLimiter;
  #paused: { at: number; names: Promise<ReadonlySet<string>> } | null = null;
  readonly #atQueueLimits = new Map<string, { at: number; reason: Promise<WaitReason | null> }>();

  /**
   * @param configuredQueues the queues WORKER_QUEUES names, beside those of the task types
   * @param queueLimits the queue-wide limits of QUEUE_LIMITS
   */
  constructor(deps: {
    store: TaskStore;
    workers: WorkerRegistry;
    types: TaskTypeRegistry;
    queues: TaskQueues;
    configuredQueues: readonly string[];
    queueLimits: ReadonlyMap<string, QueueLimits>;
    limiter: FlowLimiter;
  }) {
    this.#store = deps.store;
    this.#workers = deps.workers;
    this.#types = deps.types;
    this.#queues = deps.queues;
    this.#configuredQueues = deps.configuredQueues;
    this.#queueLimits = deps.queueLimits;
    this.#limiter = deps.limiter;
  }

  /** Pause queue `name` for every worker (admins only): no new attempts start, running ones finish. */
  async pause(principal: Principal, name: string): Promise<QueueStats> {
    this.#requireKnownQueue(principal, name);
    await this.#queues.pause(name);
    this.#paused = null;
    return (await this.count(null, name))[0]!;
  }

  /** Undo `pause` (admins only). */
  async resume(principal: Principal, name: string): Promise<QueueStats> {
    this.#requireKnownQueue(principal, name);
    await this.#queues.resume(name);
    this.#paused = null;
    return (await this.count(null, name))[0]!;
  }

  /** The queues paused now, as of at most half a second ago. */
  pausedQueues(): Promise<ReadonlySet<string>> {
    if (!this.#paused || Date.now() - this.#paused.at > PAUSED_CACHE_MS) {
      const names = this.#knownQueues();
      const paused = Promise.all(names.map(async (name) => ((await this.#queues.isPaused(name)) ? [name] : []))).then((found) => new Set(found.flat()));
      paused.catch(() => (this.#paused = null));
      this.#paused = { at: Date.now(), names: paused };
    }
    return this.#paused.names;
  }

  /**
   * Whether `task` waits for a slot or the rate window of its type's limits, or of its queue's
   * queue-wide limits (QUEUE_LIMITS): CONCURRENCY_LIMIT, RATE_LIMIT, or null.
   */
  async limitWaitOf(task: Task): Promise<WaitReason | null> {
    return (await this.#limiter.waitReason(task)) ?? this.#queueLimitWait(task.queue);
  }

  #queueLimitWait(name: string): Promise<WaitReason | null> {
    const limits = this.#queueLimits.get(name);
    if (!limits || (!limits.concurrency && !limits.rateLimit)) return Promise.resolve(null);
    let cached = this.#atQueueLimits.get(name);
    if (!cached || Date.now() - cached.at > PAUSED_CACHE_MS) {
      const reason = this.#queues.queueLimitWait(name, limits);
      reason.catch(() => this.#atQueueLimits.delete(name));
      cached = { at: Date.now(), reason };
      this.#atQueueLimits.set(name, cached);
    }
    return cached.reason;
  }

  #knownQueues(): string[] {
    return [...new Set([...this.#types.queues(), ...this.#configuredQueues])];
  }

  #requireKnownQueue(principal: Principal, name: string): void {
    if (!principal.scopes.has('admin')) throw new ForbiddenError('pausing and resuming queues needs the admin scope');
    const known = this.#knownQueues();
    if (!known.includes(name)) throw new InvalidInputError(`name: no such queue "${name}"; the known queues are ${known.sort().join(', ')}`);
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
    const sorted = [...names].sort();
    const paused = await Promise.all(sorted.map((name) => this.#queues.isPaused(name)));
    return sorted.map((name, i) => {
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
        paused: paused[i]!,
        concurrencyLimit: this.#queueLimits.get(name)?.concurrency ?? null,
        rateLimit: this.#queueLimits.get(name)?.rateLimit ?? null,
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
