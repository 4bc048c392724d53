/**
 * Running one attempt of a handler: parse the input, give the handler its context, enforce the
 * timeout, and turn whatever comes back — a value, a thrown Error, a thrown anything, a value
 * that is not JSON, a hang — into a result or a readable `TaskError`.
 */
import type { Logger } from '../src/logger.ts';
import type { ProgressReport } from '../src/model/state-machine.ts';
import type { Task, TaskError } from '../src/model/task.ts';
import { parseWith } from '../src/tasks/registry.ts';
import type { TaskType } from '../src/tasks/task-type.ts';

/** How an attempt ended. */
export type AttemptResult = { ok: true; result: unknown } | { ok: false; error: TaskError };

/** What an attempt needs besides the task and its type. */
export interface AttemptOptions {
  progress: (report: ProgressReport) => void;
  logger: Logger;
}

/**
 * Run `task`'s current attempt. Never throws. After a timeout the handler is abandoned (its
 * signal has fired; whatever it returns later is ignored), so a handler that ignores its signal
 * still frees its worker slot.
 */
export async function runAttempt(type: TaskType, task: Task, options: AttemptOptions): Promise<AttemptResult> {
  const input = parseWith(type.input, task.input, 'input');
  if (!input.ok) return { ok: false, error: nonRetryable('InvalidInputError', input.message) };

  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<AttemptResult>((resolve) => {
    if (type.timeoutMs === null) return;
    const ms = type.timeoutMs;
    timer = setTimeout(() => {
      const error = new Error(`attempt ${task.attempt} timed out after ${ms} ms`);
      error.name = 'TimeoutError';
      controller.abort(error);
      resolve({ ok: false, error: toTaskError(error) });
    }, ms);
  });

  const ran = (async (): Promise<AttemptResult> => {
    try {
      const value = await type.handler(input.value, {
        taskId: task.id,
        attempt: task.attempt,
        signal: controller.signal,
        progress: options.progress,
        logger: options.logger,
      });
      return checkResult(type, value);
    } catch (error) {
      return { ok: false, error: toTaskError(error) };
    }
  })();

  try {
    return await Promise.race([ran, timedOut]);
  } finally {
    clearTimeout(timer);
  }
}

/** The result as JSON, checked against the type's result schema if it has one. */
function checkResult(type: TaskType, value: unknown): AttemptResult {
  let json: unknown;
  try {
    json = toJson(value);
  } catch (error) {
    return { ok: false, error: nonRetryable('InvalidResultError', `the handler returned a value that is not JSON: ${(error as Error).message}`) };
  }
  if (!type.result) return { ok: true, result: json };
  const checked = parseWith(type.result, json, 'result');
  return checked.ok ? { ok: true, result: json } : { ok: false, error: nonRetryable('InvalidResultError', checked.message) };
}

/** `value` as plain JSON (undefined is null); throws on what JSON cannot hold faithfully. */
export function toJson(value: unknown): unknown {
  const text = JSON.stringify(value ?? null, (_key, v: unknown) => {
    if (typeof v === 'function' || typeof v === 'symbol' || typeof v === 'bigint') throw new Error(`a ${typeof v} cannot be JSON`);
    if (typeof v === 'number' && !Number.isFinite(v)) throw new Error(`${v} cannot be JSON`);
    return v;
  });
  return JSON.parse(text);
}

/** What anything thrown becomes in the record. Errors say `retryable: false` to skip retries. */
export function toTaskError(thrown: unknown): TaskError {
  if (thrown instanceof Error) {
    const retryable = (thrown as { retryable?: unknown }).retryable !== false;
    return { name: thrown.name, message: thrown.message, stack: thrown.stack ?? null, retryable };
  }
  let message: string;
  try {
    message = typeof thrown === 'string' ? thrown : (JSON.stringify(thrown) ?? String(thrown));
  } catch {
    message = String(thrown);
  }
  return { name: 'NonErrorThrown', message: `the handler threw a non-Error value: ${message}`, stack: null, retryable: true };
}

function nonRetryable(name: string, message: string): TaskError {
  return { name, message, stack: null, retryable: false };
}
