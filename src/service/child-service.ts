/**
 * Children spawned by handlers (`ctx.spawn`): storing and queueing one for the running task, and
 * reading a task's parent and children as the API serves them. What follows from a child's or a
 * parent's change is `child-coordinator.ts`'s.
 */
import { z } from 'zod';
import { actingFor, canSee, type Principal } from '../auth/principal.ts';
import { InvalidInputError } from '../errors.ts';
import { inSpawnOrder } from '../model/children.ts';
import type { Task } from '../model/task.ts';
import type { ChildStore } from '../store/child-store.ts';
import type { TaskStore } from '../store/task-store.ts';
import { parseWith } from '../tasks/registry.ts';
import type { EnqueueRequest, TaskService } from './task-service.ts';

/** What a handler asks `ctx.spawn` for: `enqueueTask`'s options that make sense for a child, and how its failure counts. */
export type SpawnRequest = Pick<EnqueueRequest, 'type' | 'input' | 'queue' | 'priority' | 'maxAttempts' | 'tags' | 'concurrencyKey' | 'delayMs' | 'idempotencyKey'> & {
  failParentOnChildFailure?: boolean | null;
};

/** The options this service checks itself; the rest are `enqueueTask`'s, checked there. */
const spawnOptions = z.looseObject({ failParentOnChildFailure: z.boolean().nullish() });

/** The idempotency key of the child that spawn call number `index` of `parent`'s handler makes, when the call gives none. */
export function defaultChildKey(parentId: string, index: number): string {
  return `child:${parentId}:${index}`;
}

export class ChildService {
  readonly #tasks: TaskService;
  readonly #store: TaskStore;
  readonly #children: ChildStore;

  constructor(deps: { tasks: TaskService; store: TaskStore; children: ChildStore }) {
    this.#tasks = deps.tasks;
    this.#store = deps.store;
    this.#children = deps.children;
  }

  /**
   * Store and queue child number `index` of `parent` (the running task), validated as
   * `enqueueTask` validates; InvalidInputError naming `spawn(<index>)` when it is refused. The
   * child has the parent's owner and flow. Its idempotency key is the one given, else
   * {@link defaultChildKey}: a retried attempt that makes the same calls gets the same children
   * back. A given key held by a task that is not `parent`'s child is refused.
   */
  async spawn(parent: Task, index: number, request: SpawnRequest): Promise<Task> {
    const path = `spawn(${index})`;
    const parsed = parseWith(spawnOptions, request, path);
    if (!parsed.ok) throw new InvalidInputError(parsed.message, parsed.issues);
    const { failParentOnChildFailure, ...options } = request;
    const { task, deduplicated } = await this.#tasks.enqueue(
      actingFor(parent.owner),
      { ...options, idempotencyKey: options.idempotencyKey ?? defaultChildKey(parent.id, index) },
      { parent: { id: parent.id, index, flowId: parent.flowId, failParentOnChildFailure: failParentOnChildFailure ?? false } },
      path,
    );
    if (deduplicated && task.parentId !== parent.id) {
      throw new InvalidInputError(`${path}.idempotencyKey: task ${task.id} holds this key and is not a child of task ${parent.id}`);
    }
    return task;
  }

  /** The task that spawned `task`, or null when none did or the caller may not see it. */
  async parentOf(principal: Principal, task: Task): Promise<Task | null> {
    if (task.parentId === null) return null;
    const parent = await this.#store.get({ id: task.parentId, owner: task.owner });
    return parent && canSee(principal, parent) ? parent : null;
  }

  /** The children of `task` the caller may see, in spawn order. */
  async childrenOf(principal: Principal, task: Task): Promise<Task[]> {
    // Only a task that has run can have spawned any.
    if (task.attempt === 0) return [];
    return inSpawnOrder((await this.#children.children(task)).filter((c) => canSee(principal, c)));
  }
}
