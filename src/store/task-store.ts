/**
 * The MongoDB store of tasks and their event logs. One document per task holds both, so a state
 * change and the event recording it are written by one atomic, version-guarded update: no
 * transaction is needed, and a late or duplicate writer can never move a task backwards.
 *
 * Tasks past their `expiresAt` are gone as far as readers are concerned, at once; the documents
 * themselves are deleted in batches by the worker's scheduled cleanup.
 */
import {
  MongoBulkWriteError,
  MongoError,
  MongoNetworkError,
  MongoNotConnectedError,
  MongoServerError,
  MongoServerSelectionError,
  MongoTopologyClosedError,
  type Collection,
  type Db,
  type WriteError,
} from 'mongodb';
import { DependencyUnavailableError } from '../errors.ts';
import type { Transition } from '../model/state-machine.ts';
import type { TaskFilter } from '../model/task-filter.ts';
import { isExpired, TASK_STATES, type Task, type TaskEvent, type TaskState } from '../model/task.ts';
import {
  changedFields,
  decodeEvent,
  decodeTask,
  encodeEvent,
  encodeTask,
  type TaskDocument,
} from './task-document.ts';
import { afterQuery, filterQuery, LIST_INDEXES, sortOf, type Cursor, type TaskOrder } from './task-query.ts';

/** A task and its recorded events after some version. */
export interface TaskWithEvents {
  task: Task;
  events: TaskEvent[];
}

/** One page of a list: the tasks, and whether more follow. */
export interface TaskPage {
  tasks: Task[];
  hasNextPage: boolean;
}

/** How many retained tasks of one queue are in each state (as clients see states). */
export type StateCounts = Record<TaskState, number>;

/** What inserting a new task led to: stored, or an earlier live task with the same idempotency key. */
export type Inserted = { inserted: true } | { inserted: false; existing: Task };

const DUPLICATE_KEY = 11000;

export class TaskStore {
  readonly #tasks: Collection<TaskDocument>;
  readonly #now: () => Date;

  constructor(db: Db, now: () => Date = () => new Date()) {
    this.#tasks = db.collection<TaskDocument>('tasks');
    this.#now = now;
  }

  /**
   * Create the indexes the store relies on (idempotent; every process runs it at start-up). One
   * `createIndex` per index: FerretDB 1.24 drops the connection when a multi-index
   * `createIndexes` names indexes that all exist already, which every start after the first does.
   */
  async ensureIndexes(): Promise<void> {
    await guard(() => this.#tasks.createIndex({ dedupeKey: 1 }, { name: 'dedupeKey_unique', unique: true }));
    await guard(() => this.#tasks.createIndex({ expiresAt: 1 }, { name: 'expiresAt' }));
    for (const { key, ...options } of LIST_INDEXES) await guard(() => this.#tasks.createIndex(key, options));
  }

  /**
   * Store a new task with the events of its creation — unless a live task with the same type and
   * idempotency key exists: then nothing is stored and that task is returned. The unique index
   * decides, so two racing requests cannot both insert.
   */
  async insert(transition: Transition): Promise<Inserted> {
    const doc = encodeTask(transition.task, transition.logged);
    for (;;) {
      try {
        await guard(() => this.#tasks.insertOne(doc));
        return { inserted: true };
      } catch (error) {
        if (!isDuplicateKey(error)) throw error;
        const existing = await this.#liveDuplicate(doc.dedupeKey);
        if (existing) return { inserted: false, existing };
      }
    }
  }

  /**
   * Store many new tasks at once (one `insertMany`), each as `insert` would: the result at index
   * i says what became of `transitions[i]`.
   */
  async insertMany(transitions: Transition[]): Promise<Inserted[]> {
    const docs = transitions.map((t) => encodeTask(t.task, t.logged));
    const results: Inserted[] = docs.map(() => ({ inserted: true }));
    try {
      await guard(() => this.#tasks.insertMany(docs, { ordered: false }));
    } catch (error) {
      if (!(error instanceof MongoBulkWriteError)) throw error;
      const errors = ([] as WriteError[]).concat(error.writeErrors);
      if (errors.some((e) => e.code !== DUPLICATE_KEY)) throw error;
      // The few duplicates go one by one, as `insert` handles them (including expired holders).
      for (const { index } of errors) {
        results[index] = await this.insert(transitions[index]!);
      }
    }
    return results;
  }

  /** Delete a task outright: only to undo an insert whose job could not be queued. */
  async remove(id: string): Promise<void> {
    await guard(() => this.#tasks.deleteOne({ _id: id }));
  }

  /** Delete the given tasks outright (undoing a batch insert). */
  async removeMany(ids: string[]): Promise<void> {
    await guard(() => this.#tasks.deleteMany({ _id: { $in: ids } }));
  }

  /** The task, without its log; null when unknown or expired. */
  async get(id: string): Promise<Task | null> {
    const doc = await guard(() => this.#tasks.findOne({ _id: id }, { projection: { events: 0 } }));
    return this.#live(doc && decodeTask(doc));
  }

  /**
   * The task and every recorded event after `afterVersion`, in version order. The newest PROGRESS
   * event of a running attempt is included although it is not in the log yet.
   */
  async getWithEvents(id: string, afterVersion: number): Promise<TaskWithEvents | null> {
    const doc = await guard(() => this.#tasks.findOne({ _id: id }));
    const task = this.#live(doc && decodeTask(doc));
    if (!doc || !task) return null;
    const events = doc.events.map(decodeEvent);
    if (task.pendingProgressEvent) events.push(task.pendingProgressEvent);
    return { task, events: events.filter((e) => e.version > afterVersion) };
  }

  /**
   * Write `transition`, made from `prev`, if the stored task is still at `prev.version`. False when
   * another writer got there first: re-read and decide again.
   */
  async commit(prev: Task, transition: Transition): Promise<boolean> {
    const update = {
      $set: changedFields(prev, transition.task),
      ...(transition.logged.length > 0 && { $push: { events: { $each: transition.logged.map(encodeEvent) } } }),
    };
    const result = await guard(() => this.#tasks.updateOne({ _id: prev.id, version: prev.version }, update));
    return result.matchedCount === 1;
  }

  /** Up to `first` tasks `filter` selects, in `order`, after `after` when given. */
  async list(filter: TaskFilter, order: TaskOrder, first: number, after: Cursor | null): Promise<TaskPage> {
    const query = filterQuery(filter, this.#now());
    const docs = await guard(() =>
      this.#tasks
        .find(after ? { $and: [query, afterQuery(order, after)] } : query, { projection: { events: 0 } })
        .sort(sortOf(order))
        .limit(first + 1)
        .toArray(),
    );
    return { tasks: docs.slice(0, first).map(decodeTask), hasNextPage: docs.length > first };
  }

  /** How many tasks `filter` selects. */
  async count(filter: TaskFilter): Promise<number> {
    return guard(() => this.#tasks.countDocuments(filterQuery(filter, this.#now())));
  }

  /**
   * Per queue, how many retained tasks (of `owner`, or everyone's when null) are in each state;
   * a due SCHEDULED task counts as PENDING.
   */
  async countByQueue(owner: string | null, queues?: readonly string[]): Promise<Map<string, StateCounts>> {
    const now = this.#now();
    const match = filterQuery({ owner, queues }, now);
    // Two groupings rather than one with a computed "due" field: FerretDB 1.24 has no
    // expression operators in $project.
    const [byState, due] = await Promise.all([
      guard(() =>
        this.#tasks
          .aggregate<{ _id: { queue: string; state: TaskState }; n: number }>([
            { $match: match },
            { $group: { _id: { queue: '$queue', state: '$state' }, n: { $sum: 1 } } },
          ])
          .toArray(),
      ),
      guard(() =>
        this.#tasks
          .aggregate<{ _id: string; n: number }>([
            { $match: { $and: [match, { state: 'SCHEDULED', runAt: { $lte: now } }] } },
            { $group: { _id: '$queue', n: { $sum: 1 } } },
          ])
          .toArray(),
      ),
    ]);
    const counts = new Map<string, StateCounts>((queues ?? []).map((q) => [q, emptyCounts()]));
    const of = (queue: string) => counts.get(queue) ?? counts.set(queue, emptyCounts()).get(queue)!;
    for (const { _id, n } of byState) of(_id.queue)[_id.state] += n;
    for (const { _id, n } of due) {
      of(_id).SCHEDULED -= n;
      of(_id).PENDING += n;
    }
    return counts;
  }

  /** Up to `limit` unfinished tasks last changed before `before`, oldest change first. */
  async unfinished(before: Date, limit: number): Promise<Task[]> {
    const docs = await guard(() =>
      this.#tasks
        .find({ state: { $in: ['PENDING', 'SCHEDULED', 'RUNNING', 'RETRYING'] }, updatedAt: { $lt: before } }, { projection: { events: 0 } })
        .sort({ updatedAt: 1 })
        .limit(limit)
        .toArray(),
    );
    return docs.map(decodeTask);
  }

  /** Delete up to `limit` expired tasks; resolves with how many were deleted. */
  async deleteExpired(limit: number): Promise<number> {
    const now = this.#now();
    const expired = await guard(() =>
      this.#tasks.find({ expiresAt: { $lte: now } }, { projection: { _id: 1 } }).limit(limit).toArray(),
    );
    if (expired.length === 0) return 0;
    // Re-check expiry in the delete: a `retryTask` may have revived one in between.
    const result = await guard(() =>
      this.#tasks.deleteMany({ _id: { $in: expired.map((d) => d._id) }, expiresAt: { $lte: now } }),
    );
    return result.deletedCount;
  }

  #live(task: Task | null): Task | null {
    return task && !isExpired(task, this.#now()) ? task : null;
  }

  /** The live task holding `dedupeKey`; an expired holder is deleted so the key can be reused. */
  async #liveDuplicate(dedupeKey: string): Promise<Task | null> {
    const doc = await guard(() => this.#tasks.findOne({ dedupeKey }, { projection: { events: 0 } }));
    if (!doc) return null; // deleted meanwhile: try the insert again
    const task = decodeTask(doc);
    if (!isExpired(task, this.#now())) return task;
    await guard(() => this.#tasks.deleteOne({ _id: task.id, version: task.version }));
    return null;
  }
}

function emptyCounts(): StateCounts {
  return Object.fromEntries(TASK_STATES.map((s) => [s, 0])) as StateCounts;
}

/** Whether a write failed on a unique index. */
function isDuplicateKey(error: unknown): boolean {
  return error instanceof MongoServerError && error.code === DUPLICATE_KEY;
}

/** Run a driver call, turning "cannot reach the server" into `DependencyUnavailableError`. */
async function guard<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (isUnreachable(error)) throw new DependencyUnavailableError('MongoDB', { cause: error });
    throw error;
  }
}

/** Server error codes of a server shutting down or stepping down (the operation did not happen). */
const SHUTDOWN_CODES: ReadonlySet<number> = new Set([91, 189, 10107, 11600, 11602, 13435, 13436]);

function isUnreachable(error: unknown): boolean {
  return (
    error instanceof MongoServerSelectionError ||
    error instanceof MongoNetworkError ||
    error instanceof MongoNotConnectedError ||
    error instanceof MongoTopologyClosedError ||
    (error instanceof MongoError &&
      (error.hasErrorLabel('ResetPool') || (typeof error.code === 'number' && SHUTDOWN_CODES.has(error.code))))
  );
}

