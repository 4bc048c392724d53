/**
 * The task state machine: pure functions from a task and what happened to the next task and the
 * event that records it. No I/O and no clock: callers pass `now`, and the store writes the result
 * with a version guard, so two writers racing on one task can never both win.
 *
 * A transition leaves every field it does not change as the very same value (same reference), so
 * the store can write only what changed.
 */
import type { Task, TaskError, TaskEvent, TaskEventType, TaskProgress, TaskState } from './task.ts';

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
}

/** A task in PENDING with its CREATED event (version 1). */
export function createTask(spec: NewTask, now: Date): Transition {
  const base: Task = {
    ...spec,
    state: 'PENDING',
    result: null,
    error: null,
    progress: null,
    attempt: 0,
    attempts: [],
    version: 0,
    createdAt: now,
    runAt: null,
    startedAt: null,
    finishedAt: null,
    updatedAt: now,
    expiresAt: null,
    pendingProgressEvent: null,
  };
  return advance(base, 'CREATED', 'PENDING', now, {});
}

/**
 * A worker starts the next attempt. From RUNNING this means the previous attempt's worker was lost
 * (its job stalled and was delivered again): that attempt is closed as STALLED.
 */
export function startAttempt(task: Task, workerId: string, now: Date): TransitionResult {
  if (!['PENDING', 'SCHEDULED', 'RETRYING', 'RUNNING'].includes(task.state)) {
    return refuse(task, 'start an attempt');
  }
  const attempts = closeRunningAttempt(task, 'STALLED', null, now);
  const number = task.attempt + 1;
  attempts.push({ number, startedAt: now, finishedAt: null, outcome: 'RUNNING', error: null, workerId });
  return permit(
    advance(task, 'STARTED', 'RUNNING', now, {
      attempt: number,
      attempts,
      startedAt: task.startedAt ?? now,
    }),
  );
}

/** What a handler reports; each part is optional. */
export interface ProgressReport {
  percent?: number | null;
  message?: string | null;
  data?: unknown;
}

/** The running attempt `attempt` reported progress. */
export function reportProgress(
  task: Task,
  attempt: number,
  report: ProgressReport,
  now: Date,
): TransitionResult {
  if (!isRunning(task, attempt)) return refuse(task, `report progress for attempt ${attempt}`);
  const progress: TaskProgress = {
    percent: report.percent ?? null,
    message: report.message ?? null,
    data: report.data ?? null,
    updatedAt: now,
  };
  return permit(advance(task, 'PROGRESS', 'RUNNING', now, { progress }, { progress }));
}

/** The running attempt `attempt` returned `result`. */
export function succeed(task: Task, attempt: number, result: unknown, now: Date): TransitionResult {
  if (!isRunning(task, attempt)) return refuse(task, `record success of attempt ${attempt}`);
  return permit(
    advance(task, 'SUCCEEDED', 'SUCCEEDED', now, {
      result,
      error: null,
      attempts: closeRunningAttempt(task, 'SUCCEEDED', null, now),
      finishedAt: now,
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
  return permit(advance(task, 'FAILED', 'FAILED', now, { error, attempts, finishedAt: now }, { error }));
}

/** Whether a failure of the current attempt with `error` leads to another attempt. */
export function willRetry(task: Task, error: TaskError): boolean {
  return error.retryable && task.attempt < task.maxAttempts;
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
  details: Partial<Pick<TaskEvent, 'progress' | 'error' | 'nextRunAt'>> = {},
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
