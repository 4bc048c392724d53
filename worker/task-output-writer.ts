/**
 * The single writer of one attempt's log lines and output chunks: it numbers them, batches them
 * (the progress coalescer's rules: one write per interval, one in flight, the rest in the next),
 * and writes each batch to MongoDB, then publishes it on the task's channel — so subscribers can
 * trust a batch they hear to be in the record already.
 *
 * Numbers are given as batches are written. The first batch of an attempt reads where the
 * previous attempts stopped (one read per log or stream, only if the attempt writes to it), so a
 * retried task's numbering goes on from its first attempt; a task's first start, which nothing
 * wrote before, starts at 1 without reading, so its first chunk waits for one write, not a read
 * and a write. Only one attempt of a task runs at a time; should a stalled worker still write
 * while the next attempt runs, batches with the same first number collide on their `_id` and the
 * later one is not stored.
 *
 * Two bounds hold. The task's output may not grow past TASK_OUTPUT_MAX_BYTES (counting what
 * earlier starts of the task stored, read before the attempt begins when there may be some), so a
 * chunk past it is refused before it is taken. And the writer holds at most about
 * OUTPUT_BUFFER_MAX_BYTES not yet written (log and streams together, the batch in flight
 * included): `write` answers a promise that waits while the buffer is at its bound, and what is
 * written while it is full — by a handler that did not wait — is refused.
 */
import type { TaskOutputBus } from '../src/events/task-output-bus.ts';
import type { Logger } from '../src/logger.ts';
import { outputLimitProblem, type LogLevel, type TaskLogLine, type TaskOutputChunk } from '../src/model/task-output.ts';
import type { TaskOutputStore } from '../src/store/task-output-store.ts';
import type { AttemptOutputSink } from './attempt.ts';
import { ProgressCoalescer } from './progress-coalescer.ts';

/** The most bytes of chunk data in one stored batch: far below MongoDB's 16 MiB per document. */
const MAX_BATCH_BYTES = 4 * 1024 * 1024;

/** What a writer needs: where to write and announce, how often, and how to record a truncation. */
export interface TaskOutputWriterOptions {
  taskId: string;
  attempt: number;
  store: TaskOutputStore;
  bus: TaskOutputBus;
  /** Least time between two writes of the log, or of one stream. */
  flushIntervalMs: number;
  /** The most bytes of chunk data the task may hold (TASK_OUTPUT_MAX_BYTES). */
  taskMaxBytes: number;
  /** What the task held before this attempt (earlier starts' output), counted against `taskMaxBytes`. */
  heldBytes: number;
  /** Whether earlier starts of the task may have written output or log lines (`mayHoldEarlierOutput`); if not, numbering starts at 1 unread. */
  earlierOutput: boolean;
  /** The most bytes taken and not yet written the writer holds (OUTPUT_BUFFER_MAX_BYTES). */
  bufferMaxBytes: number;
  /** Records LOG_TRUNCATED; called once, when the log first grows past the kept number of lines. */
  onLogTruncated: () => Promise<void>;
  logger: Logger;
  now?: () => Date;
}

/** An entry before it has its number. */
type Unnumbered<T> = Omit<T, 'seq'>;

/** One numbered sequence (the log, or one stream): its batching, and the last number given. */
interface Sequence<T> {
  batches: ProgressCoalescer<Unnumbered<T>[]>;
  /** The last number written; null until the first batch has read it from the store. */
  last: number | null;
  /** Bytes taken since the last batch began: what the next batch carries. */
  pendingBytes: number;
}

const ROOM = Promise.resolve();

/** Appends the entries of a batch to the one before (the coalescer's merge: nothing is dropped). */
function append<T>(older: T[], newer: T[]): T[] {
  for (const entry of newer) older.push(entry);
  return older;
}

export class TaskOutputWriter implements AttemptOutputSink {
  readonly #options: TaskOutputWriterOptions;
  readonly #now: () => Date;
  readonly #log: Sequence<TaskLogLine>;
  readonly #streams = new Map<string, Sequence<TaskOutputChunk>>();
  /** Bytes of chunk data the task holds with what this attempt has taken. */
  #outputBytes: number;
  /** Bytes taken and not yet written, the batches in flight included. */
  #buffered = 0;
  /** Writers waiting for the buffer to fall below its bound. */
  #waiting: (() => void)[] = [];

  constructor(options: TaskOutputWriterOptions) {
    this.#options = options;
    this.#now = options.now ?? (() => new Date());
    this.#outputBytes = options.heldBytes;
    this.#log = this.#sequence<TaskLogLine>(
      () => options.store.lastLogSeq(options.taskId),
      (lines) => this.#writeLog(lines),
    );
  }

  refusal(bytes: number, kind: 'log' | 'output'): string | null {
    const { bufferMaxBytes, taskMaxBytes } = this.#options;
    if (kind === 'output') {
      const problem = outputLimitProblem(this.#outputBytes, bytes, taskMaxBytes);
      if (problem) return problem;
    }
    if (this.#buffered >= bufferMaxBytes) {
      return `${this.#buffered} bytes of this attempt's output and log wait to be written, the most the worker holds (OUTPUT_BUFFER_MAX_BYTES: ${bufferMaxBytes}); await output.write() to wait for room; nothing was written`;
    }
    return null;
  }

  /** Take a log line of `bytes` bytes (checked by `refusal`); it is written with the next batch. */
  log(level: LogLevel, message: string, data: unknown, bytes: number): void {
    this.#take(this.#log, bytes);
    this.#log.batches.report([{ at: this.#now(), attempt: this.#options.attempt, level, message, data }]);
  }

  /** Take a chunk of stream `stream` (checked by `refusal`); it is written with the stream's next batch. */
  write(stream: string, chunk: string, bytes: number): Promise<void> {
    let sequence = this.#streams.get(stream);
    if (!sequence) {
      const { store, bus, taskId } = this.#options;
      sequence = this.#sequence<TaskOutputChunk>(
        () => store.lastOutputSeq(taskId, stream),
        async (chunks) => {
          for (const part of bySize(chunks)) {
            await store.appendOutput(taskId, stream, part);
            await this.#publish(() => bus.publish({ taskId, kind: 'output', stream, entries: part }));
          }
        },
      );
      this.#streams.set(stream, sequence);
    }
    this.#outputBytes += bytes;
    this.#take(sequence, bytes);
    sequence.batches.report([{ at: this.#now(), stream, data: chunk }]);
    return this.#buffered < this.#options.bufferMaxBytes ? ROOM : new Promise((resolve) => this.#waiting.push(resolve));
  }

  /** Write everything taken so far and wait until it is written (before the attempt's end is recorded). */
  async flush(): Promise<void> {
    await Promise.all([this.#log.batches.flush(), ...[...this.#streams.values()].map((s) => s.batches.flush())]);
  }

  /**
   * A sequence whose batches are numbered on from `readLast` and written by `write`. A batch that
   * could not be written is logged and its numbers stay used, so what follows is still in order
   * (subscribers see the gap and read the record, which does not have it).
   */
  #sequence<T extends { seq: number }>(readLast: () => Promise<number>, write: (entries: T[]) => Promise<void>): Sequence<T> {
    const sequence: Sequence<T> = {
      last: this.#options.earlierOutput ? null : 0,
      pendingBytes: 0,
      batches: new ProgressCoalescer<Unnumbered<T>[]>(
        this.#options.flushIntervalMs,
        async (entries) => {
          // The coalescer hands over everything taken since the last batch: these bytes.
          const bytes = sequence.pendingBytes;
          sequence.pendingBytes = 0;
          try {
            sequence.last ??= await readLast();
            const first = sequence.last + 1;
            sequence.last += entries.length;
            await write(entries.map((entry, i) => ({ ...entry, seq: first + i }) as T));
          } catch (err) {
            this.#options.logger.warn({ err, taskId: this.#options.taskId, lost: entries.length }, 'could not write task output');
          } finally {
            this.#written(bytes);
          }
        },
        append,
      ),
    };
    return sequence;
  }

  #take(sequence: { pendingBytes: number }, bytes: number): void {
    sequence.pendingBytes += bytes;
    this.#buffered += bytes;
  }

  /** A batch of `bytes` is written (or given up): room for the writers waiting, once below the bound. */
  #written(bytes: number): void {
    this.#buffered -= bytes;
    if (this.#buffered >= this.#options.bufferMaxBytes) return;
    const waiting = this.#waiting;
    this.#waiting = [];
    for (const resolve of waiting) resolve();
  }

  async #writeLog(lines: TaskLogLine[]): Promise<void> {
    const { store, bus, taskId, onLogTruncated } = this.#options;
    await store.appendLogs(taskId, lines);
    await this.#publish(() => bus.publish({ taskId, kind: 'log', entries: lines }));
    const newest = lines.at(-1)!.seq;
    const before = lines[0]!.seq - 1;
    if (newest <= store.maxLogLines) return;
    await store.dropLogsThrough(taskId, newest - store.maxLogLines);
    if (before <= store.maxLogLines) await onLogTruncated();
  }

  /** Publish; a failure is logged, not thrown: the batch is in the record, where subscribers find it after a gap. */
  async #publish(publish: () => Promise<void>): Promise<void> {
    try {
      await publish();
    } catch (err) {
      this.#options.logger.warn({ err, taskId: this.#options.taskId }, 'could not publish task output');
    }
  }
}

/** `chunks` in consecutive parts of at most MAX_BATCH_BYTES of data each (a larger chunk alone). */
function bySize(chunks: TaskOutputChunk[]): TaskOutputChunk[][] {
  const parts: TaskOutputChunk[][] = [];
  let part: TaskOutputChunk[] = [];
  let bytes = 0;
  for (const chunk of chunks) {
    const size = Buffer.byteLength(chunk.data);
    if (part.length > 0 && bytes + size > MAX_BATCH_BYTES) {
      parts.push(part);
      part = [];
      bytes = 0;
    }
    part.push(chunk);
    bytes += size;
  }
  if (part.length > 0) parts.push(part);
  return parts;
}
