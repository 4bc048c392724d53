/**
 * The task state machine: pure functions from a task and what happened to the next task and the
 * event that records it. No I/O and no clock: callers pass `now`, and the store writes the result
 * with a version guard, so two writers racing on one task can never both win.
 *
 * A transition leaves every field it does not change as the very same value (same reference), so
 * the store can write only what changed.
 */
import type { ChildrenVerdict } from './children.ts';
import { isFinalState, type DependencyFailure, type DependentRef, type Task, type TaskError, type TaskEvent, type TaskEventType, type TaskProgress, type TaskState } from './task.ts';

/** The result of a permitted transition. */
export interface Transition {
  /** The task after the event. */
  task: Task;
  /** The event that records the change; `event.version === task.version`. */
  event: TaskEvent;
  /** Events to append to the stored event log, in version order (see `Task.pendingProgressEvent`). */
  logged: TaskEvent[];
}

/** A transition, or why the task's current state does not permit it. */
export type TransitionResult = ({ ok: true } & Transition) | { ok: false; reason: string };

/** What a new task is made of; everything else starts at its initial value. */
export interface NewTask {
  id: string;
  type: string;
  queue: string;
  input: unknown;
  maxAttempts: number;
  priority: number;
  tags: string[];
  idempotencyKey: string | null;
  owner: string;
  /** When to run; null (or a time already past) runs it as soon as a worker is free. */
  runAt: Date | null;
  resultTtlSeconds: number;
  /** The schedule that made it, if one did. */
  scheduleId?: string | null;
  /** See `Task.concurrencyKey` and `Task.rateLimitKey`. */
  concurrencyKey?: string | null;
  rateLimitKey?: string | null;
  /** Its flow, its name there and the ids of the tasks it waits for (see `Task`). */
  flowId?: string | null;
  ref?: string | null;
  dependsOn?: string[];
  dependents?: DependentRef[];
  onDependencyFailure?: DependencyFailure;
  /** The task whose handler spawned it, its place among that task's children, and whether its failure fails that task (see `Task`). */
  parentId?: string | null;
  childIndex?: number | null;
  failParentOnChildFailure?: boolean;
}

/**
 * A task with its CREATED event (version 1): WAITING when it depends on other tasks, else
 * SCHEDULED when `runAt` is ahead, else PENDING.
 */
export function createTask(spec: NewTask, now: Date): Transition {
  const dependsOn = spec.dependsOn ?? [];
  const state = dependsOn.length > 0 ? 'WAITING' : runnableState(spec, now);
  // Every field named, none spread: V8 (Node 20) takes a slow path for each property added to an
  // object made by a spread, which made this the costliest line of an enqueue.
  const base: Task = {
    id: spec.id,
    type: spec.type,
    queue: spec.queue,
    input: spec.input,
    maxAttempts: spec.maxAttempts,
    priority: spec.priority,
    tags: spec.tags,
    idempotencyKey: spec.idempotencyKey,
    owner: spec.owner,
    runAt: spec.runAt,
    resultTtlSeconds: spec.resultTtlSeconds,
    scheduleId: spec.scheduleId ?? null,
    concurrencyKey: spec.concurrencyKey ?? null,
    rateLimitKey: spec.rateLimitKey ?? null,
    flowId: spec.flowId ?? null,
    ref: spec.ref ?? null,
    dependsOn,
    dependents: spec.dependents ?? [],
    onDependencyFailure: spec.onDependencyFailure ?? 'FAIL',
    parentId: spec.parentId ?? null,
    childIndex: spec.childIndex ?? null,
    failParentOnChildFailure: spec.failParentOnChildFailure ?? false,
    waitingForChildren: false,
    metadata: {},
    deferrals: 0,
    deferredUntil: null,
    state,
    result: null,
    error: null,
    progress: null,
    attempt: 0,
    seriesStart: 0,
    attempts: [],
    version: 0,
    createdAt: now,
    startedAt: null,
    finishedAt: null,
    updatedAt: now,
    expiresAt: null,
    pendingProgressEvent: null,
  };
  return advance(base, 'CREATED', state, now, {});
}

/**
 * A worker starts the next attempt. From RUNNING this means the previous attempt's worker was lost
 * (its job stalled and was delivered again): that attempt is closed as STALLED — and when that
 * has happened more than `maxStalls` times, the task FAILED instead (something about it keeps
 * killing workers).
 */
export function startAttempt(task: Task, workerId: string, now: Date, maxStalls = Number.POSITIVE_INFINITY): TransitionResult {
  if (!['PENDING', 'SCHEDULED', 'RETRYING', 'RUNNING'].includes(task.state)) {
    return refuse(task, 'start an attempt');
  }
  const attempts = closeRunningAttempt(task, 'STALLED', null, now);
  // Attempts a worker handed back on shutdown were not lost: they do not count as stalls.
  const stalls = attempts.filter((a) => a.outcome === 'STALLED' && a.error?.name !== HANDED_BACK).length;
  if (stalls > maxStalls) {
    const error: TaskError = {
      name: 'StalledError',
      message: `the worker running this task was lost ${stalls} times (MAX_STALLS is ${maxStalls})`,
      stack: null,
      retryable: false,
    };
    return permit(advance(task, 'FAILED', 'FAILED', now, { error, attempts, ...finish(task, now) }, { error }));
  }
  const number = task.attempt + 1;
  attempts.push({ number, startedAt: now, finishedAt: null, outcome: 'RUNNING', error: null, workerId });
  return permit(
    advance(task, 'STARTED', 'RUNNING', now, {
      attempt: number,
      attempts,
      startedAt: task.startedAt ?? now,
      deferredUntil: null,
    }),
  );
}

/** What a handler reports; each part is optional. */
export interface ProgressReport {
  percent?: number | null;
  message?: string | null;
  data?: unknown;
}

/**
 * The running attempt `attempt` reported progress, or new metadata, or both (a PROGRESS event
 * either way: its task shows the metadata it set). A report of metadata alone keeps the progress.
 */
export function reportProgress(
  task: Task,
  attempt: number,
  report: ProgressReport | null,
  now: Date,
  metadata?: Record<string, unknown>,
): TransitionResult {
  if (!isRunning(task, attempt)) return refuse(task, `report progress for attempt ${attempt}`);
  const progress: TaskProgress | null = report
    ? { percent: report.percent ?? null, message: report.message ?? null, data: report.data ?? null, updatedAt: now }
    : task.progress;
  return permit(advance(task, 'PROGRESS', 'RUNNING', now, { progress, ...(metadata && { metadata }) }, { progress }));
}

/** The running attempt `attempt` returned `result`. */
export function succeed(task: Task, attempt: number, result: unknown, now: Date): TransitionResult {
  if (!isRunning(task, attempt)) return refuse(task, `record success of attempt ${attempt}`);
  return permit(
    advance(task, 'SUCCEEDED', 'SUCCEEDED', now, {
      result,
      error: null,
      attempts: closeRunningAttempt(task, 'SUCCEEDED', null, now),
      ...finish(task, now),
    }),
  );
}

/**
 * The running attempt `attempt` failed with `error`. Another attempt follows after
 * `retryDelayMs` when the error is retryable and attempts are left; otherwise the task FAILED.
 */
export function failAttempt(
  task: Task,
  attempt: number,
  error: TaskError,
  retryDelayMs: number,
  now: Date,
): TransitionResult {
  if (!isRunning(task, attempt)) return refuse(task, `record failure of attempt ${attempt}`);
  const attempts = closeRunningAttempt(task, 'FAILED', error, now);
  if (willRetry(task, error)) {
    const nextRunAt = new Date(now.getTime() + retryDelayMs);
    return permit(
      advance(task, 'RETRY_SCHEDULED', 'RETRYING', now, { error, attempts }, { error, nextRunAt }),
    );
  }
  return permit(advance(task, 'FAILED', 'FAILED', now, { error, attempts, ...finish(task, now) }, { error }));
}

/**
 * Whether a failure of the current attempt with `error` leads to another attempt: the series
 * allows `maxAttempts` failures. Attempts whose worker was lost (STALLED) are not the handler's
 * failures and do not count; `maxStalls` bounds those.
 */
export function willRetry(task: Task, error: TaskError): boolean {
  const failed = task.attempts.filter((a) => a.number > task.seriesStart && a.outcome === 'FAILED').length;
  return error.retryable && failed + 1 < task.maxAttempts;
}

/** The error of a task that its handler deferred more often than allowed. */
export const DEFERRAL_LIMIT = 'DeferralLimitError';

/**
 * The running attempt `attempt` deferred the task (`ctx.deferFor`): the attempt ends without
 * counting — it leaves `attempts` and the next start has its number — and the task is PENDING
 * again, waiting until `delayMs` from now (DEFERRED, with the reason and that time). A task its
 * handler has already deferred `maxDeferrals` times FAILED instead, so deferring is bounded.
 */
export function defer(task: Task, attempt: number, delayMs: number, reason: string, now: Date, maxDeferrals: number): TransitionResult {
  if (!isRunning(task, attempt)) return refuse(task, `defer attempt ${attempt}`);
  const deferrals = (task.deferrals ?? 0) + 1;
  if (deferrals > maxDeferrals) {
    const error: TaskError = {
      name: DEFERRAL_LIMIT,
      message: `the handler deferred this task ${deferrals} times, more than MAX_DEFERRALS (${maxDeferrals}); the last reason: ${reason}`,
      stack: null,
      retryable: false,
    };
    return permit(advance(task, 'FAILED', 'FAILED', now, { error, attempts: closeRunningAttempt(task, 'FAILED', error, now), ...finish(task, now) }, { error }));
  }
  const attempts = task.attempts.filter((a) => a.outcome !== 'RUNNING');
  const deferredUntil = new Date(now.getTime() + delayMs);
  return permit(
    advance(
      task,
      'DEFERRED',
      'PENDING',
      now,
      { attempt: attempt - 1, attempts, deferrals, deferredUntil, startedAt: attempts.length > 0 ? task.startedAt : null },
      { reason, nextRunAt: deferredUntil },
    ),
  );
}

/**
 * The running attempt `attempt` wrote more log lines than the task may keep (`maxLines`): the
 * oldest are dropped from now on, which this LOG_TRUNCATED event says once per task. The state
 * stays as it is.
 */
export function logTruncated(task: Task, attempt: number, maxLines: number, now: Date): TransitionResult {
  if (!isRunning(task, attempt)) return refuse(task, `record log truncation for attempt ${attempt}`);
  return permit(advance(task, 'LOG_TRUNCATED', task.state, now, {}, { reason: `more than ${maxLines} log lines: the oldest are dropped` }));
}

/** States `cancel` accepts; RUNNING only from the worker running the attempt. */
const CANCELLABLE: ReadonlySet<TaskState> = new Set(['PENDING', 'SCHEDULED', 'RETRYING', 'RUNNING', 'WAITING']);

/**
 * Cancel the task. A waiting task (PENDING, SCHEDULED, RETRYING) is cancelled by whoever removed
 * its job; a RUNNING one only by the worker running `attempt`, once the handler has stopped (or
 * been abandoned), so the record never says CANCELLED while a handler still works on it.
 */
export function cancel(task: Task, reason: string | null, now: Date, attempt?: number): TransitionResult {
  if (!CANCELLABLE.has(task.state)) return refuse(task, 'cancel');
  if (task.state === 'RUNNING' && attempt !== task.attempt) return refuse(task, 'cancel without stopping its attempt');
  return permit(
    advance(
      task,
      'CANCELLED',
      'CANCELLED',
      now,
      { attempts: closeRunningAttempt(task, 'CANCELLED', null, now), waitingForChildren: false, ...finish(task, now) },
      { reason },
    ),
  );
}

/**
 * `retryTask`: a FAILED or CANCELLED task goes back to PENDING with a fresh series of
 * `maxAttempts` attempts, numbered after the recorded ones; its history stays. A flow task with
 * dependencies goes back to WAITING instead: its dependencies decide again when it may run.
 */
export function requeue(task: Task, now: Date): TransitionResult {
  if (task.state !== 'FAILED' && task.state !== 'CANCELLED') return refuse(task, 'retry');
  return permit(
    advance(task, 'REQUEUED', task.dependsOn.length > 0 ? 'WAITING' : 'PENDING', now, {
      seriesStart: task.attempt,
      result: null,
      error: null,
      runAt: null,
      finishedAt: null,
      expiresAt: null,
      waitingForChildren: false,
    }),
  );
}

/** The error name of an attempt its worker handed back on shutdown (see `handBack`). */
export const HANDED_BACK = 'HandedBackError';

/**
 * A worker shutting down hands the running attempt `attempt` back to the queue: the attempt is
 * closed STALLED with a `HandedBackError` that says why (so it does not count against
 * `maxStalls`), and the task waits again (REQUEUED, PENDING) for another worker.
 */
export function handBack(task: Task, attempt: number, reason: string, now: Date): TransitionResult {
  if (!isRunning(task, attempt)) return refuse(task, `hand back attempt ${attempt}`);
  const error: TaskError = { name: HANDED_BACK, message: reason, stack: null, retryable: true };
  return permit(advance(task, 'REQUEUED', 'PENDING', now, { attempts: closeRunningAttempt(task, 'STALLED', error, now) }, { reason }));
}

/**
 * The reconciler found no BullMQ job for an unfinished task (an enqueue or retry that died half
 * way, lost Redis data): the task goes back to waiting — its running attempt, if any, closed as
 * STALLED — and a REQUEUED event says why. The caller then queues a new job.
 */
export function recover(task: Task, reason: string, now: Date): TransitionResult {
  // A WAITING task has no job to lose: its dependencies release it (`release`), its children settle it (`settleChildren`).
  if (isFinalState(task.state) || task.state === 'WAITING') return refuse(task, 'recover');
  // Only a task that never started still waits for its runAt.
  const state = task.state === 'SCHEDULED' && task.runAt && task.runAt > now ? 'SCHEDULED' : 'PENDING';
  return permit(
    advance(task, 'REQUEUED', state, now, { attempts: closeRunningAttempt(task, 'STALLED', null, now) }, { reason }),
  );
}

/** The error name of a flow task that FAILED because a task it depends on did not succeed. */
export const DEPENDENCY_FAILED = 'DependencyFailedError';

/**
 * A WAITING flow task may run: its dependencies allow it (READY). It is SCHEDULED while its
 * `runAt` is ahead, else PENDING; the caller then queues its job.
 */
export function release(task: Task, now: Date): TransitionResult {
  if (!waitsForDependencies(task)) return refuse(task, 'release');
  return permit(advance(task, 'READY', runnableState(task, now), now, {}));
}

/**
 * A WAITING flow task FAILED without running because its dependency `dependency` (named by
 * `ref`) did not succeed (`onDependencyFailure: FAIL`); the error says which and how it ended.
 */
export function failForDependency(task: Task, dependency: Pick<Task, 'id' | 'ref' | 'state'>, now: Date): TransitionResult {
  if (!waitsForDependencies(task)) return refuse(task, 'fail for a dependency');
  const error: TaskError = {
    name: DEPENDENCY_FAILED,
    message: `dependency "${dependency.ref ?? dependency.id}" (task ${dependency.id}) is ${dependency.state}`,
    stack: null,
    retryable: false,
  };
  return permit(advance(task, 'FAILED', 'FAILED', now, { error, ...finish(task, now) }, { error }));
}

/**
 * A WAITING flow task is skipped because its dependency did not succeed
 * (`onDependencyFailure: SKIP`): CANCELLED, recorded as a SKIPPED event with `reason`.
 */
export function skip(task: Task, reason: string, now: Date): TransitionResult {
  if (!waitsForDependencies(task)) return refuse(task, 'skip');
  return permit(advance(task, 'SKIPPED', 'CANCELLED', now, finish(task, now), { reason }));
}

/**
 * A flow task that ended without running because of a dependency (FAILED or CANCELLED before any
 * attempt of its series) waits again (WAITING event): the dependency is being retried.
 */
export function rearm(task: Task, now: Date): TransitionResult {
  const unrun = (task.state === 'FAILED' || task.state === 'CANCELLED') && task.attempt === task.seriesStart;
  if (!unrun || task.dependsOn.length === 0) return refuse(task, 're-arm');
  return permit(
    advance(task, 'WAITING', 'WAITING', now, { result: null, error: null, finishedAt: null, expiresAt: null }),
  );
}

/**
 * The running attempt `attempt` returned `ctx.waitForChildren()`: the attempt is over (SUCCEEDED:
 * its handler returned) and the task is WAITING for its children (a WAITING event), with no job.
 * `settleChildren` ends it once they are all final.
 */
export function awaitChildren(task: Task, attempt: number, now: Date): TransitionResult {
  if (!isRunning(task, attempt)) return refuse(task, `wait for the children of attempt ${attempt}`);
  return permit(
    advance(task, 'WAITING', 'WAITING', now, { attempts: closeRunningAttempt(task, 'SUCCEEDED', null, now), waitingForChildren: true }),
  );
}

/**
 * A task WAITING for its children ends as `verdict` (`childrenVerdict`) says, once they are all
 * final: SUCCEEDED with their outcomes as its result, or FAILED with the error naming the child.
 */
export function settleChildren(task: Task, verdict: Exclude<ChildrenVerdict, { kind: 'wait' }>, now: Date): TransitionResult {
  if (task.state !== 'WAITING' || !task.waitingForChildren) return refuse(task, 'settle its children');
  if (verdict.kind === 'fail') {
    const { error } = verdict;
    return permit(advance(task, 'FAILED', 'FAILED', now, { error, waitingForChildren: false, ...finish(task, now) }, { error }));
  }
  return permit(advance(task, 'SUCCEEDED', 'SUCCEEDED', now, { result: verdict.result, error: null, waitingForChildren: false, ...finish(task, now) }));
}

/** Whether `task` is WAITING for its flow dependencies (not for its children). */
function waitsForDependencies(task: Task): boolean {
  return task.state === 'WAITING' && !task.waitingForChildren;
}

/** The state a task that may run starts in: SCHEDULED while `runAt` is ahead, else PENDING. */
function runnableState(task: Pick<Task, 'runAt'>, now: Date): 'SCHEDULED' | 'PENDING' {
  return task.runAt && task.runAt > now ? 'SCHEDULED' : 'PENDING';
}

/** The fields a final state sets: when it finished and when its record expires. */
function finish(task: Task, now: Date): Pick<Task, 'finishedAt' | 'expiresAt'> {
  const ttl = task.resultTtlSeconds;
  return { finishedAt: now, expiresAt: ttl > 0 ? new Date(now.getTime() + ttl * 1000) : null };
}

function isRunning(task: Task, attempt: number): boolean {
  return task.state === 'RUNNING' && task.attempt === attempt;
}

/** The attempts with the running one (if any) closed with `outcome`; always a new array. */
function closeRunningAttempt(
  task: Task,
  outcome: 'SUCCEEDED' | 'FAILED' | 'CANCELLED' | 'STALLED',
  error: TaskError | null,
  now: Date,
): Task['attempts'] {
  return task.attempts.map((a) =>
    a.outcome === 'RUNNING' ? { ...a, outcome, error, finishedAt: now } : a,
  );
}

/**
 * The common step of every transition: bump the version, stamp `updatedAt`, make the event, and
 * decide what enters the log. A PROGRESS event waits in `pendingProgressEvent` (replacing an older
 * one of the same attempt); any other event first flushes it into the log, then follows it.
 */
function advance(
  task: Task,
  type: TaskEventType,
  state: TaskState,
  now: Date,
  patch: Partial<Task>,
  details: Partial<Pick<TaskEvent, 'progress' | 'error' | 'nextRunAt' | 'reason'>> = {},
): Transition {
  const version = task.version + 1;
  const attempt = patch.attempt ?? task.attempt;
  const event: TaskEvent = {
    taskId: task.id,
    version,
    type,
    state,
    at: now,
    attempt,
    progress: null,
    error: null,
    nextRunAt: null,
    reason: null,
    ...details,
  };
  const isProgress = type === 'PROGRESS';
  const pending = task.pendingProgressEvent;
  const logged = isProgress ? [] : pending ? [pending, event] : [event];
  const next: Task = {
    ...task,
    ...patch,
    state,
    version,
    updatedAt: now,
    pendingProgressEvent: isProgress ? event : null,
  };
  return { task: next, event, logged };
}

function permit(transition: Transition): TransitionResult {
  return { ok: true, ...transition };
}

function refuse(task: Task, what: string): TransitionResult {
  return { ok: false, reason: `cannot ${what}: task ${task.id} is ${task.state} at attempt ${task.attempt}` };
}
