/**
 * The task types a deployment knows, by name. The API validates against it; the worker runs
 * handlers from it. Both build it from the same definitions (`worker/handlers`).
 */
import type { z } from 'zod';
import type { InputIssue } from '../errors.ts';
import type { TypeLimits } from '../model/limits.ts';
import type { AnyTaskType, TaskType } from './task-type.ts';

/** The outcome of checking a value against a schema: the parsed value, or readable problems. */
export type Parsed<T> = { ok: true; value: T } | { ok: false; message: string; issues: InputIssue[] };

export class TaskTypeRegistry {
  readonly #types = new Map<string, TaskType>();

  constructor(types: Iterable<AnyTaskType>) {
    for (const type of types) {
      if (this.#types.has(type.name)) throw new Error(`task type "${type.name}" is defined twice`);
      this.#types.set(type.name, type);
    }
  }

  /** The type called `name`, if registered. */
  get(name: string): TaskType | undefined {
    return this.#types.get(name);
  }

  /** All types, in registration order. */
  list(): TaskType[] {
    return [...this.#types.values()];
  }

  /** The flow-control limits of the type called `name`, or null when it has none or is unknown. */
  limits(name: string): TypeLimits | null {
    const type = this.#types.get(name);
    return type && (type.concurrency || type.rateLimit) ? { concurrency: type.concurrency, rateLimit: type.rateLimit } : null;
  }

  /** Every queue some registered type uses. */
  queues(): string[] {
    return [...new Set(this.list().map((t) => t.queue))];
  }
}

/**
 * Check `value` against `schema`. Problems are named by path from `root` — for example
 * `input.ms: Too big: expected number to be <=3600000` — so a client can tell which field to fix.
 */
export function parseWith<T>(schema: z.ZodType<T>, value: unknown, root: string): Parsed<T> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return { ok: true, value: parsed.data };
  const issues = parsed.error.issues.map((issue) => ({ path: [root, ...issue.path.map(String)].join('.'), message: issue.message }));
  return { ok: false, message: issues.map((issue) => `${issue.path}: ${issue.message}`).join('; '), issues };
}
