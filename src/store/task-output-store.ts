/**
 * The MongoDB store of what running tasks produce: log lines (collection `task_logs`) and output
 * chunks (`task_output`). Each document is one batch as its writer flushed it — consecutive
 * sequence numbers of one task's log or of one stream — so a handler writing thousands of chunks
 * costs one insert per batch, not per chunk. A batch's `_id` is made of the task id, the stream
 * and its first sequence number: a retried insert of the same batch is a duplicate, not a copy,
 * and every key starts with the task id, which is also what a sharded deployment shards on.
 *
 * Log data is kept as JSON text, as task inputs and results are (`model/task-codec.ts`), so a
 * handler's keys need not be valid MongoDB field names.
 */
import type { Collection, Db, OptionalUnlessRequiredId } from 'mongodb';
import { keptLogFloor, type LogLevel, type TaskLogLine, type TaskOutputChunk } from '../model/task-output.ts';
import { guard, isDuplicateKey } from './mongo-errors.ts';
import { createIndexesOneByOne } from './server-quirks.ts';

/** One stored batch of consecutive entries. */
interface BatchDocument<E> {
  _id: string;
  taskId: string;
  /** The output stream; the empty string for the log. */
  stream: string;
  firstSeq: number;
  lastSeq: number;
  entries: E[];
  /** Output batches: the UTF-8 bytes of their chunks' data (what TASK_OUTPUT_MAX_BYTES counts). */
  bytes?: number;
}

/** A stored log line: the line with its data as JSON text. */
interface StoredLogLine {
  seq: number;
  at: Date;
  attempt: number;
  level: LogLevel;
  message: string;
  data: string | null;
}

/** A stored output chunk (its stream is the batch's). */
interface StoredChunk {
  seq: number;
  at: Date;
  data: string;
}

/** The stream name the log's batches carry. */
const LOG = '';

const BATCH_INDEXES = [{ key: { taskId: 1, stream: 1, lastSeq: 1 }, name: 'taskId_stream_lastSeq' }];

/** Settings of {@link TaskOutputStore}. */
export interface TaskOutputStoreSettings {
  /** How many log lines a task keeps; older ones are dropped (TASK_LOG_MAX_LINES). */
  maxLogLines: number;
}

/** Log lines and output chunks of tasks: appended in batches, read in order, deleted with their task. */
export class TaskOutputStore {
  readonly #logs: Collection<BatchDocument<StoredLogLine>>;
  readonly #output: Collection<BatchDocument<StoredChunk>>;
  readonly #maxLogLines: number;

  constructor(db: Db, settings: TaskOutputStoreSettings) {
    this.#logs = db.collection('task_logs');
    this.#output = db.collection('task_output');
    this.#maxLogLines = settings.maxLogLines;
  }

  /** How many log lines a task keeps. */
  get maxLogLines(): number {
    return this.#maxLogLines;
  }

  /** Create the indexes reads rely on (idempotent; every process runs it at start-up). */
  async ensureIndexes(): Promise<void> {
    await createIndexesOneByOne(this.#logs, BATCH_INDEXES);
    await createIndexesOneByOne(this.#output, BATCH_INDEXES);
  }

  /** Append consecutive log lines of `taskId` (one insert). */
  async appendLogs(taskId: string, lines: readonly TaskLogLine[]): Promise<void> {
    await insertBatch(this.#logs, taskId, LOG, lines.map((line) => ({ ...line, data: line.data === null ? null : JSON.stringify(line.data) })));
  }

  /** Append consecutive chunks of one stream of `taskId` (one insert). */
  async appendOutput(taskId: string, stream: string, chunks: readonly TaskOutputChunk[]): Promise<void> {
    let bytes = 0;
    for (const chunk of chunks) bytes += Buffer.byteLength(chunk.data);
    await insertBatch(this.#output, taskId, stream, chunks.map(({ seq, at, data }) => ({ seq, at, data })), { bytes });
  }

  /** The bytes of chunk data `taskId` holds, over all its streams. */
  async outputBytes(taskId: string): Promise<number> {
    const [total] = await guard(() =>
      this.#output.aggregate<{ bytes: number }>([{ $match: { taskId } }, { $group: { _id: null, bytes: { $sum: '$bytes' } } }]).toArray(),
    );
    return total?.bytes ?? 0;
  }

  /** The newest log line's seq of `taskId`; 0 before the first. */
  lastLogSeq(taskId: string): Promise<number> {
    return lastSeq(this.#logs, taskId, LOG);
  }

  /** The newest chunk's seq of `stream` of `taskId`; 0 before the first. */
  lastOutputSeq(taskId: string, stream: string): Promise<number> {
    return lastSeq(this.#output, taskId, stream);
  }

  /**
   * The kept log lines of `taskId` after `after`, oldest first; only the newest `last` of them
   * when given. Lines beyond the kept number are invisible at once, before their batch is deleted.
   */
  async logs(taskId: string, after: number, last?: number | null): Promise<TaskLogLine[]> {
    const batches = await readBatches(this.#logs, taskId, LOG, after);
    const newest = batches.at(-1)?.lastSeq ?? 0;
    const from = Math.max(after, keptLogFloor(newest, this.#maxLogLines));
    const lines = batches
      .flatMap((batch) => batch.entries)
      .filter((line) => line.seq > from)
      .map((line): TaskLogLine => ({ ...line, data: line.data === null ? null : (JSON.parse(line.data) as unknown) }));
    return last == null ? lines : lines.slice(Math.max(0, lines.length - last));
  }

  /** The chunks of `stream` of `taskId` after `after`, in order. */
  async output(taskId: string, stream: string, after: number): Promise<TaskOutputChunk[]> {
    const batches = await readBatches(this.#output, taskId, stream, after);
    return batches.flatMap((batch) => batch.entries.filter((chunk) => chunk.seq > after).map((chunk) => ({ ...chunk, stream })));
  }

  /** Delete the batches of `taskId`'s log whose lines are all at or below `seq` (dropped lines). */
  async dropLogsThrough(taskId: string, seq: number): Promise<void> {
    await guard(() => this.#logs.deleteMany({ taskId, stream: LOG, lastSeq: { $lte: seq } }));
  }

  /** Delete everything of the tasks `taskIds` (they were deleted). */
  async deleteFor(taskIds: readonly string[]): Promise<void> {
    if (taskIds.length === 0) return;
    const filter = { taskId: { $in: [...taskIds] } };
    await guard(() => this.#logs.deleteMany(filter));
    await guard(() => this.#output.deleteMany(filter));
  }
}

/** Insert one batch; a batch already there (a retried insert that had gone through) is fine. */
async function insertBatch<E extends { seq: number }>(
  collection: Collection<BatchDocument<E>>,
  taskId: string,
  stream: string,
  entries: E[],
  extra: Pick<BatchDocument<E>, 'bytes'> = {},
): Promise<void> {
  const first = entries[0];
  const last = entries.at(-1);
  if (!first || !last) return;
  // JSON: no task id or stream name can make another batch's _id by containing a separator.
  const doc = { _id: JSON.stringify([taskId, stream, first.seq]), taskId, stream, firstSeq: first.seq, lastSeq: last.seq, entries, ...extra };
  try {
    // The driver's OptionalUnlessRequiredId does not see through the generic E.
    await guard(() => collection.insertOne(doc as OptionalUnlessRequiredId<BatchDocument<E>>));
  } catch (error) {
    if (!isDuplicateKey(error)) throw error;
  }
}

async function lastSeq<E>(collection: Collection<BatchDocument<E>>, taskId: string, stream: string): Promise<number> {
  const newest = await guard(() =>
    collection.find({ taskId, stream }, { projection: { lastSeq: 1 } }).sort({ lastSeq: -1 }).limit(1).toArray(),
  );
  return newest[0]?.lastSeq ?? 0;
}

async function readBatches<E>(collection: Collection<BatchDocument<E>>, taskId: string, stream: string, after: number): Promise<BatchDocument<E>[]> {
  return guard(() =>
    collection
      .find({ taskId, stream, lastSeq: { $gt: after } })
      .sort({ lastSeq: 1 })
      .toArray() as Promise<BatchDocument<E>[]>,
  );
}
