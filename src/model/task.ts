/**
 * The task model: what a task is, the states it moves through and the events that record each
 * move. These are plain data types shared by the API, the store, the event bus and the worker;
 * the rules for moving between states live in `state-machine.ts`.
 *
 * Nullable fields are `null` rather than absent so that a transition can clear one (a retried
 * task that succeeds has no `error` any more) with the same `$set` that sets the others.
 */

/** Every state a task can be in; see the state diagram in the client contract, docs/contract.md. */
export const TASK_STATES = [
  'PENDING',
  'SCHEDULED',
  'RUNNING',
  'RETRYING',
  'SUCCEEDED',
  'FAILED',
  'CANCELLED',
  /**
   * Waiting with no job queued: in a flow, for the tasks it depends on (`waitReason:
   * DEPENDENCIES`); or, once its handler returned `ctx.waitForChildren()`, for its children
   * (`waitReason: CHILDREN`).
   */
  'WAITING',
] as const;
export type TaskState = (typeof TASK_STATES)[number];

/** States after which nothing more happens to a task, unless `retryTask` revives it. */
export const FINAL_STATES: ReadonlySet<TaskState> = new Set(['SUCCEEDED', 'FAILED', 'CANCELLED']);

/** Whether `state` ends the task's story (subscriptions complete after it). */
export function isFinalState(state: TaskState): boolean {
  return FINAL_STATES.has(state);
}

/** Every kind of event; each event moves the task's `version` on by one. */
export const TASK_EVENT_TYPES = [
  'CREATED',
  'STARTED',
  'PROGRESS',
  'RETRY_SCHEDULED',
  'REQUEUED',
  'SUCCEEDED',
  'FAILED',
  'CANCELLED',
  'DEFERRED',
  /**
   * A flow task went back to waiting for its dependencies (one of them was retried), or a
   * handler's attempt ended with `ctx.waitForChildren()` and the task waits for its children.
   */
  'WAITING',
  /** A waiting flow task's dependencies allow it to run: it is PENDING and queued. */
  'READY',
  /** A flow task was not run because a dependency failed (`onDependencyFailure: SKIP`): CANCELLED. */
  'SKIPPED',
  /** The running attempt wrote more log lines than the task keeps: the oldest are dropped from now on (state unchanged). */
  'LOG_TRUNCATED',
] as const;
export type TaskEventType = (typeof TASK_EVENT_TYPES)[number];

/** How one attempt ended (RUNNING while it has not). */
export const ATTEMPT_OUTCOMES = ['RUNNING', 'SUCCEEDED', 'FAILED', 'CANCELLED', 'STALLED'] as const;
export type AttemptOutcome = (typeof ATTEMPT_OUTCOMES)[number];

/** An error as recorded: readable by clients, never a live Error object. */
export interface TaskError {
  name: string;
  message: string;
  stack: string | null;
  /** False when the handler marked it non-retryable or it can never succeed (bad result). */
  retryable: boolean;
}

/** What a handler reported through `context.progress`. */
export interface TaskProgress {
  percent: number | null;
  message: string | null;
  data: unknown;
  updatedAt: Date;
}

/** One run of the handler. */
export interface TaskAttempt {
  number: number;
  startedAt: Date;
  finishedAt: Date | null;
  outcome: AttemptOutcome;
  error: TaskError | null;
  workerId: string | null;
}

/**
 * What a flow task does when a task it depends on FAILED or was CANCELLED: fail too, be skipped
 * (CANCELLED with a SKIPPED event), or run anyway once all its dependencies are final.
 */
export const DEPENDENCY_FAILURES = ['FAIL', 'SKIP', 'RUN'] as const;
export type DependencyFailure = (typeof DEPENDENCY_FAILURES)[number];

/** One recorded change. `version` is 1 for CREATED and one more for each later event. */
export interface TaskEvent {
  taskId: string;
  version: number;
  type: TaskEventType;
  /** The task's state after this event. */
  state: TaskState;
  at: Date;
  /** The attempt this event belongs to (0 before the first attempt starts). */
  attempt: number;
  progress: TaskProgress | null;
  error: TaskError | null;
  /** When the next attempt runs (RETRY_SCHEDULED). */
  nextRunAt: Date | null;
  /** Why, when someone said (CANCELLED). */
  reason: string | null;
}

/** An event together with its task: as of that event (live), or as read when it was replayed. */
export interface TaskEventWithTask extends TaskEvent {
  task: Task;
}

/** One recorded change: the event and the task right after it. */
export interface TaskChange {
  task: Task;
  event: TaskEvent;
}

/**
 * `event` with `task`. Every field is named rather than spread: V8 (Node 20) takes a slow path
 * for a property added to an object made by a spread, and this runs for every event sent.
 */
export function withTask(event: TaskEvent, task: Task): TaskEventWithTask {
  const { taskId, version, type, state, at, attempt, progress, error, nextRunAt, reason } = event;
  return { taskId, version, type, state, at, attempt, progress, error, nextRunAt, reason, task };
}

/** A task waiting for another, as that other keeps it (`Task.dependents`). */
export interface DependentRef {
  id: string;
  /**
   * Of its dependencies, the one submitted last: queues run tasks in about the order they were
   * submitted, so while the others end this one is the likeliest to be unfinished, and asking it
   * settles that the dependent still waits without reading the dependent.
   */
  lastDependency: string;
}

/** A task as stored and served, without its event log. */
export interface Task {
  id: string;
  type: string;
  queue: string;
  state: TaskState;
  input: unknown;
  result: unknown;
  error: TaskError | null;
  progress: TaskProgress | null;
  /** Attempts started so far. */
  attempt: number;
  /** Attempts allowed in the current series (the first, or the one a `retryTask` began). */
  maxAttempts: number;
  /** Attempts started before the current series began (0 until a `retryTask`). */
  seriesStart: number;
  attempts: TaskAttempt[];
  priority: number;
  tags: string[];
  idempotencyKey: string | null;
  /** Who enqueued it: the caller's identity (`sub` of its token, or its API key's owner). */
  owner: string;
  version: number;
  createdAt: Date;
  runAt: Date | null;
  startedAt: Date | null;
  finishedAt: Date | null;
  updatedAt: Date;
  expiresAt: Date | null;
  /** How long the task is kept once finished; 0 keeps it for ever. */
  resultTtlSeconds: number;
  /** The schedule that made it (`createSchedule`), or null. */
  scheduleId: string | null;
  /** What its handler set with `ctx.setMetadata` / `ctx.mergeMetadata`: a JSON object, at most 64 KiB. */
  metadata: Record<string, unknown>;
  /** Times its handler deferred it (`ctx.deferFor`); bounded by MAX_DEFERRALS. */
  deferrals: number;
  /** Until when a deferred task waits before it may start again; null when not deferred. */
  deferredUntil: Date | null;
  /**
   * The key its type's concurrency limit counts it under: the enqueue's `concurrencyKey`, else
   * what the type's `concurrency.key` made of its input and owner; null: counted per type.
   */
  concurrencyKey: string | null;
  /** Likewise for its type's rate limit (`rateLimit.key`); not served over GraphQL. */
  rateLimitKey: string | null;
  /**
   * The newest PROGRESS event of the running attempt, kept out of the event log until something
   * else happens: a later PROGRESS event of the same attempt replaces it (the contract lets replay
   * leave such events out), so a chatty handler cannot grow the log without bound.
   */
  pendingProgressEvent: TaskEvent | null;
  /** The flow it belongs to (`enqueueFlow`), or null. */
  flowId: string | null;
  /** Its name within its flow, or null outside a flow. */
  ref: string | null;
  /** The ids of the tasks of its flow it waits for; empty when it waits for none. */
  dependsOn: string[];
  /** The tasks of its flow that wait for it (the other side of their `dependsOn`, fixed at submission). */
  dependents: DependentRef[];
  /** What it does when one of `dependsOn` FAILED or was CANCELLED. */
  onDependencyFailure: DependencyFailure;
  /** The task whose handler spawned it (`ctx.spawn`), or null. */
  parentId: string | null;
  /** Its place among its parent's children: the index of the `ctx.spawn` call in the handler; null when not a child. */
  childIndex: number | null;
  /** Whether its parent FAILED when it FAILED or was CANCELLED (else the parent only shows how it ended). */
  failParentOnChildFailure: boolean;
  /** True while it is WAITING for its children (`ctx.waitForChildren()`), false otherwise. */
  waitingForChildren: boolean;
}

/**
 * A task named by its id, with its owner when the caller knows it: the first field of the tasks'
 * shard key (docs/mongodb-sharding.md), so that a lookup goes to the shards holding that owner's
 * tasks. Null when only the id is known (an admin acting across owners, a job queued without its
 * owner): then the lookup is by id alone, which a sharded cluster sends to every shard.
 */
export interface TaskRef {
  id: string;
  owner: string | null;
}

/** The priority range of the contract: 0 (default) to 10, higher starts first. */
export const PRIORITY_RANGE = { min: 0, max: 10 } as const;

/**
 * The state a client sees. A SCHEDULED task whose `runAt` has passed is waiting in its queue like
 * any other: it reads PENDING, although no event marks the moment (BullMQ moves the job, not
 * taskql, and the contract has no event type for it); STARTED follows when a worker takes it.
 */
export function visibleState(task: Pick<Task, 'state' | 'runAt'>, now: Date): TaskState {
  return task.state === 'SCHEDULED' && task.runAt !== null && task.runAt <= now ? 'PENDING' : task.state;
}

/** Whether the task has passed its retention and must be treated as gone. */
export function isExpired(task: Pick<Task, 'expiresAt'>, now: Date): boolean {
  return task.expiresAt !== null && task.expiresAt <= now;
}

/** Why a waiting task is not running; see `waitReasonOf`. */
export const WAIT_REASONS = ['QUEUE_PAUSED', 'CONCURRENCY_LIMIT', 'RATE_LIMIT', 'DEPENDENCIES', 'CHILDREN'] as const;
export type WaitReason = (typeof WAIT_REASONS)[number];

/**
 * Why `task` is not running at `now`, or null when nothing holds it: a WAITING task waits for its
 * children or its dependencies; a PENDING task whose handler deferred it waits for its time (RATE_LIMIT), one in a
 * paused queue for the queue, one its type's limits hold back for what `limitWait` says
 * (CONCURRENCY_LIMIT or RATE_LIMIT).
 */
export function waitReasonOf(
  task: Pick<Task, 'state' | 'runAt' | 'deferredUntil'> & Partial<Pick<Task, 'waitingForChildren'>>,
  now: Date,
  queuePaused: boolean,
  limitWait: WaitReason | null = null,
): WaitReason | null {
  if (task.state === 'WAITING') return task.waitingForChildren ? 'CHILDREN' : 'DEPENDENCIES';
  if (visibleState(task, now) !== 'PENDING') return null;
  if (task.deferredUntil && task.deferredUntil > now) return 'RATE_LIMIT';
  return queuePaused ? 'QUEUE_PAUSED' : limitWait;
}

/** The largest `Task.metadata`, as JSON bytes. */
export const MAX_METADATA_BYTES = 64 * 1024;
