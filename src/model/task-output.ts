/**
 * What a running task produces besides its progress: log lines and output chunks. Both are
 * numbered by their single writer, the running attempt: log lines from 1 per task, output chunks
 * from 1 per stream of a task, each attempt continuing where the one before stopped. Plain data
 * and pure checks, shared by the worker that writes them, the store and the API that serves them.
 */
import type { Task } from './task.ts';

/** The levels of `ctx.log`, lowest first. */
export const LOG_LEVELS = ['DEBUG', 'INFO', 'WARN', 'ERROR'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** One line of a task's log. */
export interface TaskLogLine {
  seq: number;
  at: Date;
  /** The attempt that wrote it. */
  attempt: number;
  level: LogLevel;
  message: string;
  /** JSON the handler gave with the line, or null. */
  data: unknown;
}

/** One chunk of one of a task's output streams. */
export interface TaskOutputChunk {
  seq: number;
  at: Date;
  stream: string;
  data: string;
}

/**
 * Whether `task`, at the start of an attempt, may already hold output of an earlier start (a
 * retry, a stalled or handed-back attempt, a deferral): only then is there something to count
 * against TASK_OUTPUT_MAX_BYTES before the attempt writes.
 */
export function mayHoldEarlierOutput(task: Pick<Task, 'attempts' | 'deferrals'>): boolean {
  return task.attempts.length > 1 || task.deferrals > 0;
}

/**
 * Why `bytes` more bytes of output cannot be added to a task that holds `held` of at most `max`,
 * or null when they can.
 */
export function outputLimitProblem(held: number, bytes: number, max: number): string | null {
  return held + bytes > max ? `${bytes} more bytes would make this task's output ${held + bytes} bytes, more than the ${max} it may have (TASK_OUTPUT_MAX_BYTES); nothing was written` : null;
}

/** The stream `ctx.output.write` and `Task.output` use when none is named. */
export const DEFAULT_STREAM = 'default';

/** What a stream's name may be: as queue names, letters, digits, `_`, `.` and `-`, 1 to 64 of them. */
const STREAM_NAME = /^[\w.-]{1,64}$/;

/** What is wrong with `stream` as a stream's name, or null when nothing is. */
export function streamNameProblem(stream: unknown): string | null {
  return typeof stream === 'string' && STREAM_NAME.test(stream) ? null : `stream: letters, digits, _, . and - only, 1 to 64, got ${JSON.stringify(stream)}`;
}

/** What is wrong with `after` as a position to read or resume after, or null when nothing is. */
export function afterProblem(after: number): string | null {
  return Number.isInteger(after) && after >= 0 ? null : `after: a whole number from 0, got ${after}`;
}

/**
 * The sequence numbers still kept of a log whose newest line is `newest`: past `maxLines` lines
 * the oldest are dropped, so a line is visible when its seq is above the returned floor.
 */
export function keptLogFloor(newest: number, maxLines: number): number {
  return Math.max(0, newest - maxLines);
}
