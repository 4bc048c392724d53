/**
 * Handlers: the code that runs a declared task type (`src/tasks/task-type.ts`). Only worker
 * processes load them — an API process accepts and lists tasks from the declarations alone — so
 * an application's handlers and whatever they import never ship with, or slow down, its API.
 */
import type { Logger } from '../src/logger.ts';
import type { ProgressReport } from '../src/model/state-machine.ts';
import type { LogLevel } from '../src/model/task-output.ts';
import type { TaskError, TaskState } from '../src/model/task.ts';
import type { TaskType } from '../src/tasks/task-type.ts';

/**
 * Writes one line of the task's log (`Task.logs`, `taskLogs`): a message and, optionally, JSON
 * data. Throws when the message is not a string, the data is not JSON, the line is larger than
 * OUTPUT_CHUNK_MAX_BYTES, the worker's buffer of unwritten output and log is full
 * (OUTPUT_BUFFER_MAX_BYTES; `await ctx.output.write` waits for room), or the attempt has ended.
 */
export type TaskLogWriter = (message: string, data?: unknown) => void;

/** The task's log, one writer per level (`LogLevel`). */
export type TaskLog = Record<Lowercase<LogLevel>, TaskLogWriter>;

/** The task's output streams (`Task.output`, `taskOutput`): text as it is produced, such as a language model's tokens. */
export interface TaskOutput {
  /**
   * Append `chunk` to stream `stream` (default "default"). Cheap to call often: chunks are
   * batched on their way to MongoDB and Redis. The promise resolves at once while the worker
   * holds less than OUTPUT_BUFFER_MAX_BYTES of this attempt's output and log not yet written, and
   * once it has room again otherwise: a handler that writes fast awaits it (one that writes a
   * little need not). Throws, writing nothing, when the chunk is not a string or is larger than
   * OUTPUT_CHUNK_MAX_BYTES, the stream's name is not letters, digits, `_`, `.` and `-` (1 to
   * 64), the task's output would grow past TASK_OUTPUT_MAX_BYTES, the buffer is full (an earlier
   * promise was not awaited), or the attempt has ended.
   */
  write: (chunk: string, options?: { stream?: string }) => Promise<void>;
}

/** How a dependency of a flow task ended, as its handler reads it (`ctx.dependencies[ref]`). */
export interface DependencyOutcome {
  state: TaskState;
  /** What its handler returned; null unless it SUCCEEDED. */
  result: unknown;
  error: TaskError | null;
}

/** Options of `ctx.spawn`: `enqueueTask`'s that make sense for a child, and how its failure counts for its parent. */
export interface SpawnOptions {
  queue?: string;
  priority?: number;
  maxAttempts?: number;
  tags?: string[];
  concurrencyKey?: string;
  delayMs?: number;
  /**
   * Default: one made of the parent's id and the spawn call's index in this attempt, so that a
   * retried attempt making the same calls gets the same children back. A key given here must not
   * be held by a task other than this one's child.
   */
  idempotencyKey?: string;
  /** The parent FAILED when this child FAILED or was CANCELLED (default false: its result only shows how the child ended). */
  failParentOnChildFailure?: boolean;
}

/** A spawned child. */
export interface SpawnedChild {
  id: string;
}

/** What `ctx.waitForChildren()` returns, for the handler to return (see `TaskContext.waitForChildren`). */
export class WaitForChildren {
  readonly waitForChildren = true;
}

/** What a handler gets besides its input. */
export interface TaskContext {
  taskId: string;
  /** 1 for the first attempt, 2 for the first retry, … */
  attempt: number;
  /**
   * Fires when the attempt must stop: its timeout passed or the task was cancelled. Handlers
   * that wait should pass it on (to fetch, timers, child processes) or check it between steps.
   */
  signal: AbortSignal;
  /** Report progress; cheap to call often (reports are coalesced before they are written). */
  progress: (report: ProgressReport) => void;
  /** The worker's own logger (its process log), bound to the task; `log` is what clients read. */
  logger: Logger;
  /** The task's log, which clients read: each line carries this attempt's number. */
  log: TaskLog;
  /** The task's output streams, which clients read and follow live. */
  output: TaskOutput;
  /**
   * End this attempt without counting it and run the task again in `ms` milliseconds (0 to
   * 24 hours): for an outside limit that said "later", such as an HTTP 429 with Retry-After. It
   * throws, so nothing after it runs. The task is recorded DEFERRED with `reason` and waits
   * PENDING (`waitReason: RATE_LIMIT`) until then; after MAX_DEFERRALS deferrals it FAILED.
   */
  deferFor: (ms: number, reason: string) => never;
  /**
   * Replace the task's metadata (`Task.metadata`): a JSON object of at most 64 KiB, for what a
   * dashboard shows while the task runs ("rows exported: 12,345"). Written with progress, at
   * most once per PROGRESS_INTERVAL_MS, the newest always. Throws, leaving the metadata as it
   * was, when the object is not JSON, too large, or the attempt has ended.
   */
  setMetadata: (metadata: Record<string, unknown>) => void;
  /** Merge `patch` into the task's metadata (its top-level keys replace those there); as `setMetadata`. */
  mergeMetadata: (patch: Record<string, unknown>) => void;
  /**
   * In a flow, how each task this one depends on ended, by its ref: all SUCCEEDED, unless the
   * task runs anyway after a failure (`onDependencyFailure: RUN`). Empty outside flows.
   */
  dependencies: Readonly<Record<string, DependencyOutcome>>;
  /**
   * Store and queue a child task of this one, validated as `enqueueTask` validates: it throws a
   * `SpawnRefusedError` (not retried) naming `spawn(<index>)` for an unknown type or invalid
   * input. Resolves once the child is stored and queued. The child has this task's owner and flow.
   */
  spawn: (type: string, input?: unknown, options?: SpawnOptions) => Promise<SpawnedChild>;
  /**
   * Return this (`return ctx.waitForChildren()`) to end the attempt and wait for the children:
   * the task is WAITING (`waitReason: CHILDREN`) with no job and no worker slot, and once every
   * child is final it is SUCCEEDED with `{ children: [{ id, type, state, result, error }] }` in
   * spawn order — or FAILED when a child spawned with `failParentOnChildFailure` did not succeed.
   */
  waitForChildren: () => WaitForChildren;
}

/**
 * A handler: a plain async function whose return value is the task's result (or
 * `ctx.waitForChildren()`, to wait for its children).
 */
export type TaskHandler<I, R> = (input: I, context: TaskContext) => Promise<R> | R | WaitForChildren;

/** A handler bound to the type it runs. */
export interface TaskHandlerDefinition<I = unknown, R = unknown> {
  readonly type: TaskType<I, R>;
  readonly run: TaskHandler<I, R>;
}

/** Any handler definition, whatever its type's input and result (see `AnyTaskType`). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyTaskHandler = TaskHandlerDefinition<any, any>;

/** Define how `type`'s tasks run. `run` receives the input as `type.input` parsed it. */
export function defineHandler<I, R>(type: TaskType<I, R>, run: TaskHandler<I, R>): TaskHandlerDefinition<I, R> {
  return { type, run };
}

/**
 * Throw this (or any error with `retryable: false`) from a handler when trying again cannot help:
 * the task goes straight to FAILED whatever attempts are left.
 */
export class NonRetryableError extends Error {
  readonly retryable = false;
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'NonRetryableError';
  }
}
