/**
 * The single writer of one attempt's log lines and output chunks: it numbers them, batches them
 * (the progress coalescer's rules: one write per interval, one in flight, the rest in the next),
 * and writes each batch to MongoDB, then publishes it on the task's channel — so subscribers can
 * trust a batch they hear to be in the record already.
 *
 * Numbers are given as batches are written. The first batch of an attempt reads where the
 * previous attempts stopped (one read per log or stream, only if the attempt writes to it), so a
 * retried task's numbering goes on from its first attempt. Only one attempt of a task runs at a
 * time; should a stalled worker still write while the next attempt runs, batches with the same
 * first number collide on their `_id` and the later one is not stored.
 */
import type { TaskOutputBus } from '../src/events/task-output-bus.ts';
import type { Logger } from '../src/logger.ts';
import type { LogLevel, TaskLogLine, TaskOutputChunk } from '../src/model/task-output.ts';
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
}

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

  constructor(options: TaskOutputWriterOptions) {
    this.#options = options;
    this.#now = options.now ?? (() => new Date());
    this.#log = this.#sequence<TaskLogLine>(
      () => options.store.lastLogSeq(options.taskId),
      (lines) => this.#writeLog(lines),
    );
  }

  /** Take a log line; it is written with the next batch. */
  log(level: LogLevel, message: string, data: unknown): void {
    this.#log.batches.report([{ at: this.#now(), attempt: this.#options.attempt, level, message, data }]);
  }

  /** Take a chunk of stream `stream`; it is written with the stream's next batch. */
  write(stream: string, chunk: string): void {
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
    sequence.batches.report([{ at: this.#now(), stream, data: chunk }]);
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
      last: null,
      batches: new ProgressCoalescer<Unnumbered<T>[]>(
        this.#options.flushIntervalMs,
        async (entries) => {
          try {
            sequence.last ??= await readLast();
            const first = sequence.last + 1;
            sequence.last += entries.length;
            await write(entries.map((entry, i) => ({ ...entry, seq: first + i }) as T));
          } catch (err) {
            this.#options.logger.warn({ err, taskId: this.#options.taskId, lost: entries.length }, 'could not write task output');
          }
        },
        append,
      ),
    };
    return sequence;
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
