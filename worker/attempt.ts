/**
 * Running one attempt of a handler: parse the input, give the handler its context, enforce the
 * timeout, and turn whatever comes back — a value, a thrown Error, a thrown anything, a value
 * that is not JSON, a hang — into a result or a readable `TaskError`.
 */
import type { Logger } from '../src/logger.ts';
import type { ProgressReport } from '../src/model/state-machine.ts';
import { MAX_METADATA_BYTES, type Task, type TaskError } from '../src/model/task.ts';
import { DEFAULT_STREAM, LOG_LEVELS, streamNameProblem, type LogLevel } from '../src/model/task-output.ts';
import { parseWith } from '../src/tasks/registry.ts';
import type { AnyTaskType } from '../src/tasks/task-type.ts';
import { attemptChildren, type ChildSpawner } from './children.ts';
import { WaitForChildren, type AnyTaskHandler, type DependencyOutcome, type TaskLog } from './handler.ts';

/** How an attempt ended: a result, an error, stopped because the task was cancelled, deferred, or waiting for its children. */
export type AttemptResult =
  | { ok: true; result: unknown }
  | { ok: false; error: TaskError }
  | { ok: 'cancelled' }
  | { ok: 'deferred'; delayMs: number; reason: string }
  | { ok: 'waiting' };

/** The longest `ctx.deferFor`. */
export const MAX_DEFER_MS = 24 * 3600 * 1000;

/** What `ctx.deferFor` throws to end the handler; the attempt's outcome is the deferral however the handler treats it. */
class DeferredAttempt extends Error {
  override name = 'DeferredAttempt';
}

/** What an attempt needs besides the task and its type. */
export interface AttemptOptions {
  progress: (report: ProgressReport) => void;
  /** Receives the task's whole metadata each time the handler changes it (already checked). */
  metadata: (metadata: Record<string, unknown>) => void;
  logger: Logger;
  /** Receives each log line and output chunk the handler writes (already checked). */
  output: AttemptOutputSink;
  /** The largest output chunk, and log line (message and data as JSON), in UTF-8 bytes. */
  chunkMaxBytes: number;
  /** Fires when the task is cancelled. */
  cancelled: AbortSignal;
  /** How long a cancelled handler may take to stop before it is abandoned. */
  cancelGraceMs: number;
  /** How the task's dependencies ended, by ref (`ctx.dependencies`); none when not given. */
  dependencies?: Readonly<Record<string, DependencyOutcome>>;
  /** Where `ctx.spawn` stores the task's children; without it, every spawn is refused. */
  spawn?: ChildSpawner;
}

/** Where an attempt's log lines and output chunks go (the worker batches them: `task-output-writer.ts`). */
export interface AttemptOutputSink {
  /** Why `bytes` more bytes of log or output cannot be taken now (a limit, a full buffer), or null. */
  refusal(bytes: number, kind: 'log' | 'output'): string | null;
  log(level: LogLevel, message: string, data: unknown, bytes: number): void;
  /** Resolves when the handler may write on: at once, or once the buffer has room again. */
  write(stream: string, chunk: string, bytes: number): Promise<void>;
}

/**
 * Run `task`'s current attempt. Never throws. After a timeout, or a cancel and its grace period,
 * the handler is abandoned (its signal has fired; whatever it returns later is ignored), so a
 * handler that ignores its signal still frees its worker slot.
 */
export async function runAttempt(handler: AnyTaskHandler, task: Task, options: AttemptOptions): Promise<AttemptResult> {
  const { type } = handler;
  const input = parseWith(type.input, task.input, 'input');
  if (!input.ok) return { ok: false, error: nonRetryable('InvalidInputError', input.message) };

  const controller = new AbortController();
  const timers: NodeJS.Timeout[] = [];
  const timedOut = new Promise<AttemptResult>((resolve) => {
    if (type.timeoutMs === null) return;
    const ms = type.timeoutMs;
    timers.push(
      setTimeout(() => {
        const error = new Error(`attempt ${task.attempt} timed out after ${ms} ms`);
        error.name = 'TimeoutError';
        controller.abort(error);
        resolve({ ok: false, error: toTaskError(error) });
      }, ms),
    );
  });
  let onCancel = () => {};
  let cancelRequested = false;
  const cancelled = new Promise<AttemptResult>((resolve) => {
    onCancel = () => {
      cancelRequested = true;
      const reason = new Error('the task was cancelled');
      reason.name = 'CancelledError';
      controller.abort(reason);
      // Give the handler its grace period to stop; whatever it returns, the task was cancelled.
      const stopped = () => resolve({ ok: 'cancelled' });
      ran.then(stopped, stopped);
      timers.push(setTimeout(stopped, options.cancelGraceMs));
    };
  });

  // A box, not a variable: the handler sets it from inside deferFor.
  const deferral: { asked: { delayMs: number; reason: string } | null } = { asked: null };
  const deferFor = (ms: number, reason: string): never => {
    if (!Number.isInteger(ms) || ms < 0 || ms > MAX_DEFER_MS) {
      throw new RangeError(`deferFor: ms must be a whole number from 0 to ${MAX_DEFER_MS}, got ${ms}`);
    }
    deferral.asked ??= { delayMs: ms, reason: String(reason) };
    throw new DeferredAttempt(`deferred for ${ms} ms: ${String(reason)}`);
  };
  let metadata: Record<string, unknown> = task.metadata ?? {};
  let ended = false;
  const notEnded = (what: string) => {
    if (ended) throw new Error(`${what}: attempt ${task.attempt} has ended`);
  };
  const changeMetadata = (how: 'setMetadata' | 'mergeMetadata', given: unknown): void => {
    notEnded(how);
    if (given === null || typeof given !== 'object' || Array.isArray(given)) throw new TypeError(`${how}: give a JSON object`);
    let next: Record<string, unknown>;
    try {
      next = toJson(how === 'setMetadata' ? given : { ...metadata, ...given }) as Record<string, unknown>;
    } catch (error) {
      throw new TypeError(`${how}: not JSON: ${(error as Error).message}`);
    }
    const bytes = Buffer.byteLength(JSON.stringify(next));
    if (bytes > MAX_METADATA_BYTES) {
      throw new RangeError(`${how}: ${bytes} bytes of JSON, more than the ${MAX_METADATA_BYTES} allowed; the metadata is unchanged`);
    }
    metadata = next;
    options.metadata(next);
  };
  const log = Object.fromEntries(
    LOG_LEVELS.map((level) => {
      const what = `log.${level.toLowerCase()}`;
      const write = (message: string, data?: unknown) => {
        notEnded(what);
        if (typeof message !== 'string') throw new TypeError(`${what}: the message must be a string, got ${typeof message}`);
        let json: unknown;
        try {
          json = toJson(data);
        } catch (error) {
          throw new TypeError(`${what}: data is not JSON: ${(error as Error).message}`);
        }
        const bytes = Buffer.byteLength(message) + Buffer.byteLength(JSON.stringify(json));
        if (bytes > options.chunkMaxBytes) throw new RangeError(`${what}: ${bytes} bytes, more than the ${options.chunkMaxBytes} a line may have`);
        const refused = options.output.refusal(bytes, 'log');
        if (refused) throw new RangeError(`${what}: ${refused}`);
        options.output.log(level, message, json, bytes);
      };
      return [level.toLowerCase(), write];
    }),
  ) as TaskLog;
  const children = attemptChildren(options.spawn, (what) => {
    notEnded(what);
    if (controller.signal.aborted) throw new Error(`${what}: attempt ${task.attempt} was stopped`);
  });
  const output = {
    write: (chunk: string, writeOptions?: { stream?: string }): Promise<void> => {
      notEnded('output.write');
      if (typeof chunk !== 'string') throw new TypeError(`output.write: the chunk must be a string, got ${chunk === null ? 'null' : typeof chunk}`);
      const stream = writeOptions?.stream ?? DEFAULT_STREAM;
      const problem = streamNameProblem(stream);
      if (problem) throw new TypeError(`output.write: ${problem}`);
      const bytes = Buffer.byteLength(chunk);
      if (bytes > options.chunkMaxBytes) throw new RangeError(`output.write: a chunk of ${bytes} bytes, more than the ${options.chunkMaxBytes} allowed`);
      const refused = options.output.refusal(bytes, 'output');
      if (refused) throw new RangeError(`output.write: ${refused}`);
      return options.output.write(stream, chunk, bytes);
    },
  };
  const ran = (async (): Promise<AttemptResult> => {
    try {
      const value: unknown = await handler.run(input.value, {
        taskId: task.id,
        attempt: task.attempt,
        signal: controller.signal,
        progress: options.progress,
        logger: options.logger,
        log,
        output,
        deferFor,
        setMetadata: (m) => changeMetadata('setMetadata', m),
        mergeMetadata: (m) => changeMetadata('mergeMetadata', m),
        dependencies: options.dependencies ?? {},
        spawn: children.spawn,
        waitForChildren: children.waitForChildren,
      });
      // Every child asked for is stored (or refused) before the attempt's end is recorded.
      const spawnError = await children.settled();
      // A handler that caught the deferral's throw has still deferred.
      if (deferral.asked) return { ok: 'deferred', ...deferral.asked };
      if (!(value instanceof WaitForChildren)) return checkResult(type, value);
      // Waiting for children of which one could not be spawned would wait for what does not exist.
      return spawnError === null ? { ok: 'waiting' } : { ok: false, error: toTaskError(spawnError) };
    } catch (error) {
      await children.settled();
      return deferral.asked ? { ok: 'deferred', ...deferral.asked } : { ok: false, error: toTaskError(error) };
    }
  })();

  if (options.cancelled.aborted) onCancel();
  else options.cancelled.addEventListener('abort', onCancel, { once: true });
  try {
    const first = await Promise.race([ran, timedOut, cancelled]);
    // A handler that stops because of the cancel usually settles first (with an AbortError):
    // the attempt still ended because the task was cancelled.
    return cancelRequested ? await cancelled : first;
  } finally {
    ended = true;
    options.cancelled.removeEventListener('abort', onCancel);
    for (const timer of timers) clearTimeout(timer);
  }
}

/** The result as JSON, checked against the type's result schema if it has one. */
function checkResult(type: AnyTaskType, value: unknown): AttemptResult {
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
