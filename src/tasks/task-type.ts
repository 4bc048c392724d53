/**
 * Declaring a task type: its name, queue, validated input, defaults and limits — everything the
 * API needs to accept a task (validation, `taskTypes`) and nothing it needs to run one. The code
 * that runs it is the type's handler (`worker/handler.ts`), which only worker processes load.
 */
import { z } from 'zod';
import type { Backoff } from '../model/backoff.ts';
import { concurrencyLimitProblem, rateLimitProblem, type ConcurrencyLimit, type LimitKey, type RateLimit } from '../model/limits.ts';

/** What a backend developer writes to declare a task type. */
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
  /**
   * At most `limit` attempts RUNNING at once per key, across every worker process. `key` makes a
   * task's key from its input and owner (e.g. a tenant id); an enqueue's `concurrencyKey`
   * overrides it; without either, the limit is per type. A key function that throws or returns
   * no string of 1 to 256 characters makes the enqueue BAD_USER_INPUT.
   */
  concurrency?: ConcurrencyLimit & { key?: LimitKey<I> };
  /** At most `max` attempts started per `perMs` window per key (`perMs` ≥ 10); keys as `concurrency`. */
  rateLimit?: RateLimit & { key?: LimitKey<I> };
}

/**
 * A declared task type with its defaults filled in. `R` is the result its handler returns; it is
 * carried in the type so that `defineHandler` can check the handler against it.
 */
export interface TaskType<I = unknown, R = unknown> {
  readonly name: string;
  readonly description: string | null;
  readonly queue: string;
  readonly input: z.ZodType<I>;
  readonly result: z.ZodType<R> | null;
  readonly maxAttempts: number;
  readonly backoff: Backoff;
  readonly timeoutMs: number | null;
  readonly concurrency: (ConcurrencyLimit & { key: LimitKey<I> | null }) | null;
  readonly rateLimit: (RateLimit & { key: LimitKey<I> | null }) | null;
  /** The input's JSON Schema, as `taskTypes.inputSchema` serves it. */
  readonly inputSchema: Record<string, unknown>;
}

/**
 * Any task type, whatever its input and result. A registry holds types of many shapes; `any` is
 * what lets a `TaskType<{ ms: number }, …>` stand among them (its handler's parameter makes a
 * handler invariant in its input), and the registry only ever passes a type input its own schema
 * parsed.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyTaskType = TaskType<any, any>;

/** Backoff used when a type names none: exponential from 1 s, capped at 5 min, 20 % jitter. */
export const DEFAULT_BACKOFF: Backoff = { type: 'exponential', delayMs: 1000, maxDelayMs: 300_000, jitter: 0.2 };

/**
 * Declare a task type. Names must be unique across all types a deployment registers. Throws a
 * RangeError for a limit that cannot hold (not a whole number ≥ 1, a window under 10 ms), so a
 * bad declaration fails at start.
 */
export function defineTaskType<I, R = unknown>(options: TaskTypeOptions<I, R>): TaskType<I, R> {
  const { concurrency, rateLimit } = options;
  const problem = (concurrency && concurrencyLimitProblem(concurrency.limit)) ?? (rateLimit && rateLimitProblem(rateLimit));
  if (problem) throw new RangeError(`task type "${options.name}": ${problem}`);
  return {
    name: options.name,
    description: options.description ?? null,
    queue: options.queue ?? 'default',
    input: options.input,
    result: options.result ?? null,
    maxAttempts: options.maxAttempts ?? 1,
    backoff: options.backoff ?? DEFAULT_BACKOFF,
    timeoutMs: options.timeoutMs ?? null,
    concurrency: concurrency ? { limit: concurrency.limit, key: concurrency.key ?? null } : null,
    rateLimit: rateLimit ? { max: rateLimit.max, perMs: rateLimit.perMs, key: rateLimit.key ?? null } : null,
    inputSchema: z.toJSONSchema(options.input, { io: 'input', unrepresentable: 'any' }),
  };
}
