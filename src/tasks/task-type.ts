/**
 * Defining a task type: its name, queue, validated input, defaults and handler, in one place that
 * both the API (validation, `taskTypes`) and the worker (execution) use.
 */
import { z } from 'zod';
import type { Logger } from '../logger.ts';
import type { Backoff } from '../model/backoff.ts';
import type { ProgressReport } from '../model/state-machine.ts';

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
  logger: Logger;
}

/** A handler: a plain async function whose return value is the task's result. */
export type TaskHandler<I, R> = (input: I, context: TaskContext) => Promise<R> | R;

/** What a backend developer writes to define a task type. */
export interface TaskTypeOptions<I, R> {
  name: string;
  description?: string;
  /** The queue its tasks wait in (default `default`); workers choose which queues they serve. */
  queue?: string;
  /** Validates and parses the input; also published as JSON Schema in `taskTypes`. */
  input: z.ZodType<I>;
  /** When given, a result that fails it is a non-retryable failure instead of SUCCEEDED. */
  result?: z.ZodType<R>;
  /** Attempts in all, including the first (default 1: no retries). */
  maxAttempts?: number;
  backoff?: Backoff;
  /** An attempt running longer is aborted through its signal and fails (default: no limit). */
  timeoutMs?: number;
  handler: TaskHandler<I, R>;
}

/** A task type with its defaults filled in. */
export interface TaskType<I = unknown, R = unknown> {
  readonly name: string;
  readonly description: string | null;
  readonly queue: string;
  readonly input: z.ZodType<I>;
  readonly result: z.ZodType<R> | null;
  readonly maxAttempts: number;
  readonly backoff: Backoff;
  readonly timeoutMs: number | null;
  readonly handler: TaskHandler<I, R>;
  /** The input's JSON Schema, as `taskTypes.inputSchema` serves it. */
  readonly inputSchema: Record<string, unknown>;
}

/**
 * Any task type, whatever its input and result. A registry holds types of many shapes; `any` is
 * what lets a `TaskType<{ ms: number }, …>` stand among them (its handler's parameter makes the
 * type invariant in its input), and the registry only ever passes a type input its own schema
 * parsed.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyTaskType = TaskType<any, any>;

/** Backoff used when a type names none: exponential from 1 s, capped at 5 min, 20 % jitter. */
export const DEFAULT_BACKOFF: Backoff = { type: 'exponential', delayMs: 1000, maxDelayMs: 300_000, jitter: 0.2 };

/** Define a task type. Names must be unique across all types a deployment registers. */
export function defineTaskType<I, R>(options: TaskTypeOptions<I, R>): TaskType<I, R> {
  return {
    name: options.name,
    description: options.description ?? null,
    queue: options.queue ?? 'default',
    input: options.input,
    result: options.result ?? null,
    maxAttempts: options.maxAttempts ?? 1,
    backoff: options.backoff ?? DEFAULT_BACKOFF,
    timeoutMs: options.timeoutMs ?? null,
    handler: options.handler,
    inputSchema: z.toJSONSchema(options.input, { io: 'input', unrepresentable: 'any' }),
  };
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
