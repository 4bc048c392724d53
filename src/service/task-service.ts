/**
 * What the API does with tasks: enqueue, cancel and retry them, read them and their events, and
 * open the live streams the subscriptions serve. GraphQL-free, so it can be driven from tests and
 * other front ends alike.
 */
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { canSee, hasScope, ownerSeenBy, visibleTo, type Principal, type Scope } from '../auth/principal.ts';
import { ForbiddenError, InvalidInputError, TaskConflictError, TaskNotFoundError } from '../errors.ts';
import type { CancelRequests } from '../events/cancel-requests.ts';
import { eventWithTask } from '../events/event-bus.ts';
import type { TaskFeeds } from '../events/task-feeds.ts';
import type { TaskStreams } from '../events/task-stream.ts';
import { MAX_CONCURRENCY_KEY_LENGTH } from '../model/limits.ts';
import type { TaskFilter } from '../model/task-filter.ts';
import { cancel, createTask, requeue, type Transition } from '../model/state-machine.ts';
import { isFinalState, PRIORITY_RANGE, withTask, type DependencyFailure, type DependentRef, type Task, type TaskEvent, type TaskEventWithTask, type TaskRef } from '../model/task.ts';
import type { TaskQueues } from '../queue/task-queues.ts';
import { decodeCursor, encodeCursor, type TaskOrder } from '../store/task-query.ts';
import type { TaskStore } from '../store/task-store.ts';
import { limitKeysOf } from '../tasks/limit-keys.ts';
import { parseWith, type TaskTypeRegistry } from '../tasks/registry.ts';
import { traceEnqueue, traceEnqueueBatch } from '../tracing/task-spans.ts';
import type { TaskRecorder } from './task-recorder.ts';

const YEAR_MS = 365 * 24 * 3600 * 1000;

/** Limits on what a client may ask for when enqueueing. */
export const ENQUEUE_LIMITS = {
  maxAttempts: 100,
  tags: 20,
  tagLength: 64,
  idempotencyKeyLength: 256,
  batch: 1000,
  /** How far ahead a task may be scheduled. */
  scheduleMs: YEAR_MS,
  resultTtlSeconds: 10 * 365 * 24 * 3600,
} as const;

const name = z.string().regex(/^[\w.-]{1,64}$/, 'letters, digits, _, . and - only, at most 64');

/** The options of `enqueueTask` this service understands (the GraphQL input's shape). */
const enqueueOptions = z
  .object({
    type: z.string().min(1),
    input: z.unknown().optional(),
    queue: name.nullish(),
    priority: z.number().int().min(PRIORITY_RANGE.min).max(PRIORITY_RANGE.max).nullish(),
    maxAttempts: z.number().int().min(1).max(ENQUEUE_LIMITS.maxAttempts).nullish(),
    tags: z.array(z.string().min(1).max(ENQUEUE_LIMITS.tagLength)).max(ENQUEUE_LIMITS.tags).nullish(),
    delayMs: z.number().int().min(0).max(ENQUEUE_LIMITS.scheduleMs).nullish(),
    runAt: z.date().nullish(),
    idempotencyKey: z.string().min(1).max(ENQUEUE_LIMITS.idempotencyKeyLength).nullish(),
    conflictOnDifferentInput: z.boolean().nullish(),
    resultTtlSeconds: z.number().int().min(0).max(ENQUEUE_LIMITS.resultTtlSeconds).nullish(),
    concurrencyKey: z.string().min(1).max(MAX_CONCURRENCY_KEY_LENGTH).nullish(),
  })
  .refine((o) => o.delayMs == null || o.runAt == null, { message: 'give delayMs or runAt, not both', path: ['runAt'] });

/** The largest page `list` serves. */
export const MAX_PAGE = 500;

/** What is wrong with `first` as the size of a page of `list`, or null when nothing is. */
export function pageSizeProblem(first: number): string | null {
  return Number.isInteger(first) && first >= 0 && first <= MAX_PAGE ? null : `first: 0 to ${MAX_PAGE}, got ${first}`;
}

/** A page of a list, in the shape of a Relay connection. */
export interface TaskConnection {
  edges: { cursor: string; node: Task }[];
  pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null };
  totalCount: number;
}

/** What a client asks to enqueue. */
export type EnqueueRequest = z.input<typeof enqueueOptions>;

/** Where a task comes from besides its request: the schedule, the flow or the parent that made it, if one did. */
export interface TaskOrigin {
  scheduleId?: string;
  /** The running task whose handler spawned it (`ctx.spawn`): its id, the spawn call's index, its flow. */
  parent?: { id: string; index: number; flowId: string | null; failParentOnChildFailure: boolean };
  /** Its place in a flow; its id is chosen beforehand, so that the flow's tasks can name each other. */
  flow?: { taskId: string; flowId: string; ref: string; dependsOn: string[]; dependents: DependentRef[]; onDependencyFailure: DependencyFailure };
}

/** The enqueued task, and whether it was an earlier one returned again (same idempotency key). */
export interface Enqueued {
  task: Task;
  deduplicated: boolean;
}

/** Settings of the service that come from configuration. */
export interface TaskServiceSettings {
  /** Largest task input, as JSON bytes. */
  maxInputBytes: number;
  /** Retention of finished tasks when the enqueue does not say (seconds; 0 keeps them). */
  resultTtlSeconds: number;
  /** How long `cancel` waits for a running task's worker to stop it. */
  cancelWaitMs: number;
  /**
   * Queues workers are configured to serve (WORKER_QUEUES), beside those of the task types: an
   * enqueue may name only one of either.
   */
  configuredQueues: readonly string[];
}

export class TaskService {
  readonly #store: TaskStore;
  readonly #queues: TaskQueues;
  readonly #streams: TaskStreams;
  readonly #cancels: CancelRequests;
  readonly #recorder: TaskRecorder;
  readonly #types: TaskTypeRegistry;
  readonly #settings: TaskServiceSettings;
  readonly #feeds: TaskFeeds;

  constructor(deps: {
    store: TaskStore;
    queues: TaskQueues;
    streams: TaskStreams;
    cancels: CancelRequests;
    recorder: TaskRecorder;
    types: TaskTypeRegistry;
    feeds: TaskFeeds;
    settings: TaskServiceSettings;
  }) {
    this.#store = deps.store;
    this.#queues = deps.queues;
    this.#streams = deps.streams;
    this.#cancels = deps.cancels;
    this.#recorder = deps.recorder;
    this.#types = deps.types;
    this.#settings = deps.settings;
    this.#feeds = deps.feeds;
  }

  /**
   * Validate, store, queue and announce a task. Nothing is stored when the request is invalid;
   * when the job cannot be queued, the stored task is deleted again and the error thrown. A live
   * task of the same type and idempotency key is returned instead of a new one. Traced as an
   * `enqueue` span, whose context the job carries. Problems are named from `path`.
   */
  enqueue(principal: Principal, request: EnqueueRequest, origin: TaskOrigin = {}, path = 'input'): Promise<Enqueued> {
    return traceEnqueue(() => this.#enqueue(principal, request, origin, path));
  }

  async #enqueue(principal: Principal, request: EnqueueRequest, origin: TaskOrigin, path: string): Promise<Enqueued> {
    requireScope(principal, 'tasks:write');
    const created = this.#create(principal, request, path, new Date(), origin);
    const stored = await this.#store.insert(created);
    if (!stored.inserted) {
      checkSameInput(request, stored.existing, created.task, path);
      return { task: stored.existing, deduplicated: true };
    }
    try {
      await this.#queues.add(created.task);
    } catch (error) {
      // Undo, so no task waits for a job that does not exist. Should the undo fail too (MongoDB
      // went away as well), the reconciler requeues the task once it has been still long enough.
      await this.#store.remove(created.task).catch(() => {});
      throw error;
    }
    await this.#recorder.announce(created);
    return { task: created.task, deduplicated: false };
  }

  /**
   * Enqueue many tasks with one bulk write to MongoDB and one to Redis per queue. Every request
   * is validated first: when any is invalid, none is enqueued and the error names each bad index.
   * Traced as one `enqueue batch` span, whose context every job carries.
   */
  enqueueMany(principal: Principal, requests: EnqueueRequest[]): Promise<Enqueued[]> {
    return traceEnqueueBatch(() => this.#enqueueMany(principal, requests));
  }

  async #enqueueMany(principal: Principal, requests: EnqueueRequest[]): Promise<Enqueued[]> {
    requireScope(principal, 'tasks:write');
    if (requests.length > ENQUEUE_LIMITS.batch) {
      throw new InvalidInputError(`inputs: at most ${ENQUEUE_LIMITS.batch} tasks per call, got ${requests.length}`);
    }
    const now = new Date();
    const problems: string[] = [];
    const created = requests.flatMap((request, i) => {
      try {
        return [this.#create(principal, request, `inputs.${i}`, now, {})];
      } catch (error) {
        if (!(error instanceof InvalidInputError)) throw error;
        problems.push(error.message);
        return [];
      }
    });
    if (problems.length > 0) throw new InvalidInputError(problems.join('; '));

    const stored = await this.#store.insertMany(created).catch(async (error: unknown) => {
      // Some may have been written before the write failed: none may stay, waiting for a job.
      await this.#store.removeMany(created.map((c) => c.task)).catch(() => {});
      throw error;
    });
    const fresh = created.filter((_, i) => stored[i]?.inserted);
    try {
      stored.forEach((result, i) => {
        if (!result.inserted) checkSameInput(requests[i]!, result.existing, created[i]!.task, `inputs.${i}`);
      });
    } catch (error) {
      await this.#store.removeMany(fresh.map((c) => c.task)).catch(() => {});
      throw error;
    }
    try {
      await this.#queues.addMany(fresh.map((c) => c.task));
    } catch (error) {
      await this.#store.removeMany(fresh.map((c) => c.task)).catch(() => {});
      throw error;
    }
    await Promise.all(fresh.map((c) => this.#recorder.announce(c)));
    return stored.map((result, i) =>
      result.inserted ? { task: created[i]!.task, deduplicated: false } : { task: result.existing, deduplicated: true },
    );
  }

  /**
   * Cancel a task. A waiting one (PENDING, SCHEDULED, RETRYING) loses its job and is CANCELLED at
   * once. A running one is asked to stop through its worker; this waits (up to the worker's grace
   * period and a margin) for the CANCELLED record and returns the task as it then is.
   * A SUCCEEDED or FAILED task is a conflict; a CANCELLED one is returned unchanged.
   */
  async cancel(principal: Principal, id: string, reason: string | null): Promise<Task> {
    requireScope(principal, 'tasks:write');
    for (;;) {
      const task = await this.#existing(principal, id);
      if (task.state === 'CANCELLED') return task;
      if (task.state === 'SUCCEEDED' || task.state === 'FAILED') {
        throw new TaskConflictError(`task ${id} is ${task.state}: only a task that has not finished can be cancelled`);
      }
      if (task.state !== 'RUNNING' && (await this.#queues.remove(task)) === 'removed') {
        const recorded = await this.#recorder.record(task, (t, now) => cancel(t, reason, now));
        if (recorded.ok) return recorded.task;
        continue; // it moved on meanwhile: decide again on what it is now
      }
      // Running, or a worker has just taken its job: the worker stops it and records CANCELLED.
      await this.#cancels.request(id, reason);
      const settled = await this.#awaitFinal(principal, id, this.#settings.cancelWaitMs);
      if (settled.state === 'SUCCEEDED' || settled.state === 'FAILED') {
        throw new TaskConflictError(`task ${id} ${settled.state} before it could be cancelled`);
      }
      return settled;
    }
  }

  /** `retryTask`: queue a FAILED or CANCELLED task again, same id, a fresh series of attempts. */
  async retry(principal: Principal, id: string): Promise<Task> {
    requireScope(principal, 'tasks:write');
    const task = await this.#existing(principal, id);
    await this.#cancels.clear(id);
    const recorded = await this.#recorder.record(task, (t, now) => requeue(t, now));
    if (!recorded.ok) {
      const state = recorded.task?.state ?? task.state;
      throw new TaskConflictError(`task ${id} is ${state}: only a FAILED or CANCELLED task can be retried`);
    }
    // Recorded first, so a worker taking the job finds the task PENDING. Should Redis fail right
    // here, the task waits PENDING without a job until the reconciler requeues it. A flow task
    // back to WAITING has no job: its dependencies release it (which queues it).
    if (recorded.task.state !== 'WAITING') await this.#queues.add(recorded.task);
    // A flow task's dependencies may have moved it on already (released it, or failed it again).
    return recorded.task.state === 'WAITING' ? ((await this.#store.get(recorded.task)) ?? recorded.task) : recorded.task;
  }

  /**
   * A page of the tasks `filter` selects, in `order`, after the `after` cursor. Pages follow
   * each other by keyset, so tasks added meanwhile do not shift the pages still to read.
   */
  async list(principal: Principal, filter: TaskFilter, first: number, after: string | null, order: TaskOrder): Promise<TaskConnection> {
    requireScope(principal, 'tasks:read');
    const badPage = pageSizeProblem(first);
    if (badPage) throw new InvalidInputError(badPage);
    const cursor = after === null ? null : decodeCursor(order, after);
    const visible = visibleTo(principal, filter);
    const [page, totalCount] = await Promise.all([this.#store.list(visible, order, first, cursor), this.#store.count(visible)]);
    const edges = page.tasks.map((node) => ({ cursor: encodeCursor(order, node), node }));
    return {
      edges,
      pageInfo: {
        hasNextPage: page.hasNextPage,
        hasPreviousPage: cursor !== null,
        startCursor: edges[0]?.cursor ?? null,
        endCursor: edges.at(-1)?.cursor ?? null,
      },
      totalCount,
    };
  }

  /** Every event of every task `filter` matches, live from now on (no replay). */
  feed(principal: Principal, filter: TaskFilter): AsyncIterableIterator<TaskEventWithTask> {
    requireScope(principal, 'tasks:read');
    return this.#feeds.open(visibleTo(principal, filter));
  }

  /** That every one of `ids` is the caller's own task (for minting task tokens); NOT_FOUND otherwise. */
  async assertOwn(principal: Principal, ids: readonly string[]): Promise<void> {
    requireScope(principal, 'tasks:write');
    if (principal.taskIds) throw new ForbiddenError('a task token cannot mint task tokens');
    for (const id of ids) {
      const task = await this.#store.get({ id, owner: principal.owner });
      if (!task) throw new TaskNotFoundError(id);
    }
  }

  /** The task, or null when unknown (or not the caller's to see). */
  async get(principal: Principal, id: string): Promise<Task | null> {
    requireScope(principal, 'tasks:read');
    return this.#visible(principal, await this.#store.get(seenBy(principal, id)));
  }

  /** The task's recorded events after `afterVersion`; null when the task is unknown. */
  async events(principal: Principal, id: string, afterVersion: number): Promise<TaskEvent[] | null> {
    requireScope(principal, 'tasks:read');
    const found = await this.#store.getWithEvents(seenBy(principal, id), afterVersion);
    return found && this.#visible(principal, found.task) ? found.events : null;
  }

  /** The task now, then after each change, ending after a final state. */
  watchTask(principal: Principal, id: string): Promise<AsyncIterableIterator<Task>> {
    requireScope(principal, 'tasks:read');
    return this.#streams.open<Task>(seenBy(principal, id), 0, {
      events: false,
      fromRecord: ({ task }, after) =>
        canSee(principal, task) ? { items: task.version > after ? [task] : [], final: isFinalState(task.state) } : null,
      fromChange: (change) => change.task,
      version: (task) => task.version,
      isFinal: (task) => isFinalState(task.state),
    });
  }

  /** The task's events after `afterVersion` from the record, then live, ending after the final event. */
  watchEvents(principal: Principal, id: string, afterVersion: number): Promise<AsyncIterableIterator<TaskEventWithTask>> {
    requireScope(principal, 'tasks:read');
    return this.#streams.open<TaskEventWithTask>(seenBy(principal, id), afterVersion, {
      events: true,
      fromRecord: ({ task, events }, after) =>
        canSee(principal, task)
          ? { items: events.filter((event) => event.version > after).map((event) => withTask(event, task)), final: isFinalState(task.state) }
          : null,
      fromChange: eventWithTask,
      version: (event) => event.version,
      isFinal: (event) => isFinalState(event.state),
    });
  }

  /** The task, or TaskNotFoundError — also when it is not the caller's: existence must not leak. */
  async #existing(principal: Principal, id: string): Promise<Task> {
    const task = this.#visible(principal, await this.#store.get(seenBy(principal, id)));
    if (!task) throw new TaskNotFoundError(id);
    return task;
  }

  #visible(principal: Principal, task: Task | null): Task | null {
    return task && canSee(principal, task) ? task : null;
  }

  /** The task once it is final, or as it is after `ms`. */
  async #awaitFinal(principal: Principal, id: string, ms: number): Promise<Task> {
    const stream = await this.watchTask(principal, id);
    const deadline = setTimeout(() => void stream.return?.(), ms);
    let last: Task | undefined;
    try {
      for await (const task of stream) last = task;
    } finally {
      clearTimeout(deadline);
    }
    return last ?? (await this.#existing(principal, id));
  }

  /**
   * Check `request` as `enqueue` would, storing nothing: InvalidInputError naming the field under
   * `path` when it would be refused (schedules check the tasks they will make this way).
   */
  check(principal: Principal, request: EnqueueRequest, path: string): void {
    this.prepare(principal, request, path, {});
  }

  /**
   * `request` made into a new task's creation, as `enqueue` would make it, storing nothing: for
   * callers that store tasks together (flows). InvalidInputError naming the field under `path`.
   */
  prepare(principal: Principal, request: EnqueueRequest, path: string, origin: TaskOrigin): Transition {
    return this.#create(principal, request, path, new Date(), origin);
  }

  /** A valid request as a new task's creation; problems are named from `path`. */
  #create(principal: Principal, request: EnqueueRequest, path: string, now: Date, origin: TaskOrigin): Transition {
    const options = parseWith(enqueueOptions, request, path);
    if (!options.ok) throw new InvalidInputError(options.message, options.issues);
    const o = options.value;
    const type = this.#types.get(o.type);
    if (!type) throw new InvalidInputError(`${path}.type: unknown task type "${o.type}"; see taskTypes`);
    const queue = o.queue ?? type.queue;
    const known = new Set([...this.#types.queues(), ...this.#settings.configuredQueues]);
    if (!known.has(queue)) {
      throw new InvalidInputError(`${path}.queue: no worker serves queue "${queue}"; the known queues are ${[...known].sort().join(', ')}`);
    }
    const input = o.input ?? {};
    const inputBytes = Buffer.byteLength(JSON.stringify(input));
    if (inputBytes > this.#settings.maxInputBytes) {
      throw new InvalidInputError(`${path}.input: ${inputBytes} bytes of JSON, more than the ${this.#settings.maxInputBytes} allowed`);
    }
    const checked = parseWith(type.input, input, `${path}.input`);
    if (!checked.ok) throw new InvalidInputError(checked.message, checked.issues);
    const keys = limitKeysOf(type, checked.value, principal.owner, o.concurrencyKey ?? null, path);
    const runAt = o.runAt ?? (o.delayMs ? new Date(now.getTime() + o.delayMs) : null);
    if (runAt && runAt.getTime() - now.getTime() > ENQUEUE_LIMITS.scheduleMs) {
      throw new InvalidInputError(`${path}.runAt: at most a year ahead`);
    }
    return createTask(
      {
        id: origin.flow?.taskId ?? randomUUID(),
        type: type.name,
        queue,
        input,
        maxAttempts: o.maxAttempts ?? type.maxAttempts,
        priority: o.priority ?? PRIORITY_RANGE.min,
        tags: [...new Set(o.tags ?? [])],
        idempotencyKey: o.idempotencyKey ?? null,
        owner: principal.owner,
        runAt,
        resultTtlSeconds: o.resultTtlSeconds ?? this.#settings.resultTtlSeconds,
        scheduleId: origin.scheduleId ?? null,
        ...(origin.flow && {
          flowId: origin.flow.flowId,
          ref: origin.flow.ref,
          dependsOn: origin.flow.dependsOn,
          dependents: origin.flow.dependents,
          onDependencyFailure: origin.flow.onDependencyFailure,
        }),
        ...(origin.parent && {
          flowId: origin.parent.flowId,
          parentId: origin.parent.id,
          childIndex: origin.parent.index,
          failParentOnChildFailure: origin.parent.failParentOnChildFailure,
        }),
        ...keys,
      },
      now,
    );
  }
}

/**
 * CONFLICT when `request` asked for it and the task its idempotency key found (`existing`) was
 * enqueued with another input than `wanted` (compared as JSON, whatever the order of keys).
 */
function checkSameInput(request: EnqueueRequest, existing: Task, wanted: Task, path: string): void {
  if (request.conflictOnDifferentInput && canonicalJson(existing.input) !== canonicalJson(wanted.input)) {
    throw new TaskConflictError(
      `${path}.idempotencyKey: task ${existing.id} was enqueued with this key and another input (conflictOnDifferentInput is set)`,
    );
  }
}

/** `value` as JSON with every object's keys sorted, so equal values give equal text. */
function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}

/** Task `id` as `principal` looks it up: with the one owner it may see, if it sees one. */
function seenBy(principal: Principal, id: string): TaskRef {
  return { id, owner: ownerSeenBy(principal) };
}

/** FORBIDDEN unless `principal` holds `scope`. */
export function requireScope(principal: Principal, scope: Scope): void {
  if (!hasScope(principal, scope)) throw new ForbiddenError(`this needs the ${scope} scope`);
}
