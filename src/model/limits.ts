/**
 * Flow control's pure rules: what a concurrency limit and a rate limit are, which values are
 * valid, what key a task is counted under, and the scopes (one counter each in Redis) a task's
 * limits make. The Redis side is `queue/limit-scripts.ts`; the design is docs/flow-control.md.
 */
import type { Task } from './task.ts';

/** At most `limit` RUNNING attempts at once (per key, across every worker process). */
export interface ConcurrencyLimit {
  limit: number;
}

/** At most `max` attempts started per `perMs` window (per key, across every worker process). */
export interface RateLimit {
  max: number;
  perMs: number;
}

/** The limits of a queue, from configuration (QUEUE_LIMITS). */
export interface QueueLimits {
  concurrency: number | null;
  rateLimit: RateLimit | null;
}

/** The shortest rate-limit window: shorter ones are below what timers and Redis round trips can hold. */
export const MIN_RATE_WINDOW_MS = 10;

/** The longest concurrency key, in characters. */
export const MAX_CONCURRENCY_KEY_LENGTH = 256;

/** What is wrong with a concurrency limit, or null. */
export function concurrencyLimitProblem(limit: unknown): string | null {
  return Number.isInteger(limit) && (limit as number) >= 1 ? null : `concurrency limit must be a whole number of at least 1, got ${String(limit)}`;
}

/** What is wrong with a rate limit, or null. */
export function rateLimitProblem(rate: { max: unknown; perMs: unknown }): string | null {
  if (!Number.isInteger(rate.max) || (rate.max as number) < 1) return `rateLimit.max must be a whole number of at least 1, got ${String(rate.max)}`;
  if (!Number.isInteger(rate.perMs) || (rate.perMs as number) < MIN_RATE_WINDOW_MS) {
    return `rateLimit.perMs must be a whole number of at least ${MIN_RATE_WINDOW_MS}, got ${String(rate.perMs)}`;
  }
  return null;
}

/** What is wrong with a concurrency key, or null. */
export function concurrencyKeyProblem(key: unknown): string | null {
  if (typeof key !== 'string') return `a concurrency key must be a string, got ${key === null ? 'null' : typeof key}`;
  if (key.length < 1 || key.length > MAX_CONCURRENCY_KEY_LENGTH) return `a concurrency key must be 1 to ${MAX_CONCURRENCY_KEY_LENGTH} characters, got ${key.length}`;
  return null;
}

/** A key function of a task type: the key a task is counted under, from its input and owner. */
export type LimitKey<I> = (input: I, owner: string) => string;

/**
 * The key `keyFn` makes of `input` and `owner`, or why it could not: it threw, or returned
 * something that is not a valid key. Runs the application's code, so it never throws.
 */
export function evaluateKey<I>(keyFn: LimitKey<I>, input: I, owner: string): { ok: true; key: string } | { ok: false; message: string } {
  let key: unknown;
  try {
    key = keyFn(input, owner);
  } catch (error) {
    return { ok: false, message: `its key function threw: ${error instanceof Error ? error.message : String(error)}` };
  }
  const problem = concurrencyKeyProblem(key);
  return problem ? { ok: false, message: `its key function returned no valid key: ${problem}` } : { ok: true, key: key as string };
}

/**
 * One counter of flow control: the tasks of type `type` with key `key` (null: all of the type),
 * counted against `cap`. A concurrency scope holds a slot from admission to the attempt's end; a
 * rate scope holds one from admission to the start, and also keeps the log of starts in its window.
 */
export interface LimitScope {
  kind: 'concurrency' | 'rate';
  /** The scope's name within its queue's Redis keys. */
  name: string;
  /** Tasks admitted at once (concurrency: running or about to run; rate: about to start). */
  cap: number;
  /** The rate window; null for a concurrency scope. */
  perMs: number | null;
}

/** The limits of a task type, as the scopes need them. */
export interface TypeLimits {
  concurrency: ConcurrencyLimit | null;
  rateLimit: RateLimit | null;
}

/**
 * The scopes `task` is counted in. Admission (fairness) goes by the first, which is the
 * concurrency scope when the type has one; the rate scope's window is checked at every start.
 */
export function limitScopesOf(task: Pick<Task, 'type' | 'concurrencyKey' | 'rateLimitKey'>, limits: TypeLimits): LimitScope[] {
  const scopes: LimitScope[] = [];
  // JSON, so that no type or key can make another scope's name by containing a separator.
  if (limits.concurrency) {
    scopes.push({ kind: 'concurrency', name: `c:${JSON.stringify([task.type, task.concurrencyKey])}`, cap: limits.concurrency.limit, perMs: null });
  }
  if (limits.rateLimit) {
    const { max, perMs } = limits.rateLimit;
    scopes.push({ kind: 'rate', name: `r:${JSON.stringify([task.type, task.rateLimitKey])}`, cap: max, perMs });
  }
  return scopes;
}
