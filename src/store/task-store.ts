/**
 * The MongoDB store of tasks and their event logs. One document per task holds both, so a state
 * change and the event recording it are written by one atomic, version-guarded update: no
 * transaction is needed, and a late or duplicate writer can never move a task backwards.
 *
 * Tasks past their `expiresAt` are gone as far as readers are concerned, at once; the documents
 * themselves are deleted in batches by the worker's scheduled cleanup.
 *
 * FerretDB 1.x runs an update as a read followed by a separate write of the whole document, with
 * nothing in between to stop another writer (handler `updateDocument` → `common.UpdateDocument`
 * → the backend's `UpdateAll`, which writes by `_id` alone): two writers from one version both
 * "match" and the later write silently replaces the earlier. The one thing it does atomically is
 * an insert under a unique index. So on FerretDB a writer first claims the version it writes from
 * with an insert into `task_claims` (`<id>@<version>`, unique `_id`), and only the claim's winner
 * updates the task. Claims stay as long as their task: a writer holding a stale copy of the task
 * finds its version already claimed and re-reads. The claim also carries the change, so a winner
 * that died before its update is completed by the next writer (see `#awaitClaim`).
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
  type UpdateFilter,
  type WriteError,
} from 'mongodb';
import { setTimeout as sleep } from 'node:timers/promises';
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
  type EventDocument,
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

/** Options of {@link TaskStore}. */
export interface TaskStoreOptions {
  /**
   * How long a claimed version may stay unwritten before another writer completes the claimed
   * change, taking its claimant for dead (FerretDB only). Far beyond any one write's duration:
   * a claimant that is only slow would otherwise write the same change a second time (harmless
   * while nobody has moved the task on since; see `#awaitClaim`). Claims are timed by the
   * claimant's clock, so the processes' clocks must agree to well within this.
   */
  claimTimeoutMs?: number;
  /** Reads of tasks this store runs at once; more wait their turn (see `#reads`). */
  maxConcurrentReads?: number;
}

/** A claim of the change from one version of a task, as stored (FerretDB only; see the top). */
export interface ClaimDocument {
  /** `<task id>@<version the change is made from>` */
  _id: string;
  task: string;
  at: Date;
  /** The change: the fields it sets and the events it logs. */
  set: Record<string, unknown>;
  events: EventDocument[];
}

const DUPLICATE_KEY = 11000;
const CLAIM_TIMEOUT_MS = 15_000;
/** How often a writer that lost a claim looks whether the winner's change has landed. */
const CLAIM_POLL_MS = 100;
const MAX_CONCURRENT_READS = 8;
/** Ids per query of `versions`: a query stays small however many tasks a process watches. */
const VERSIONS_PER_QUERY = 1000;

export class TaskStore {
  readonly #db: Db;
  readonly #tasks: Collection<TaskDocument>;
  readonly #claims: Collection<ClaimDocument>;
  readonly #now: () => Date;
  readonly #claimTimeoutMs: number;
  /**
   * The reads of tasks (by id, lists, counts), a few at a time. Every open subscription reads the
   * record when it starts, after a gap and when idle, so a process with thousands of them can ask
   * for more reads than the server serves; unbounded, they take every pooled connection and the
   * server's CPU, and the writes that move tasks on (and enqueues) wait behind them — on FerretDB,
   * where every read scans the collection, until nothing is answered at all. Bounded, the excess
   * waits here and writes go straight through.
   */
  readonly #reads: Lane;
  /** Whether writes claim their version first: the server is FerretDB (asked once, when known). */
  #claimsVersions: Promise<boolean> | undefined;

  constructor(db: Db, now: () => Date = () => new Date(), options: TaskStoreOptions = {}) {
    this.#db = db;
    this.#tasks = db.collection<TaskDocument>('tasks');
    this.#claims = db.collection<ClaimDocument>('task_claims');
    this.#now = now;
    this.#claimTimeoutMs = options.claimTimeoutMs ?? CLAIM_TIMEOUT_MS;
    this.#reads = new Lane(options.maxConcurrentReads ?? MAX_CONCURRENT_READS);
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
      // Only duplicates, with every other document inserted, is an outcome to go on from. The
      // driver also reports a bulk write that failed as a whole (server unreachable, a command
      // error) as a bulk error, with no write errors: then which documents were written is unknown.
      const onlyDuplicates = errors.length > 0 && errors.every((e) => e.code === DUPLICATE_KEY);
      if (!onlyDuplicates || error.insertedCount + errors.length !== docs.length) throw bulkFailure(error, errors);
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
    const doc = await this.#read(() => this.#tasks.findOne({ _id: id }, { projection: { events: 0 } }));
    return this.#live(doc && decodeTask(doc));
  }

  /**
   * The task and every recorded event after `afterVersion`, in version order. The newest PROGRESS
   * event of a running attempt is included although it is not in the log yet.
   */
  async getWithEvents(id: string, afterVersion: number): Promise<TaskWithEvents | null> {
    const doc = await this.#read(() => this.#tasks.findOne({ _id: id }));
    const task = this.#live(doc && decodeTask(doc));
    if (!doc || !task) return null;
    const events = doc.events.map(decodeEvent);
    if (task.pendingProgressEvent) events.push(task.pendingProgressEvent);
    return { task, events: events.filter((e) => e.version > afterVersion) };
  }

  /**
   * The stored version of each of `ids` that exists and has not expired; one query per
   * {@link VERSIONS_PER_QUERY} ids, so watching many tasks costs a few reads, not one each.
   */
  async versions(ids: readonly string[]): Promise<Map<string, number>> {
    const now = this.#now();
    const versions = new Map<string, number>();
    for (let i = 0; i < ids.length; i += VERSIONS_PER_QUERY) {
      const chunk = ids.slice(i, i + VERSIONS_PER_QUERY);
      const docs = await this.#read(() =>
        this.#tasks.find({ _id: { $in: chunk } }, { projection: { _id: 1, version: 1, expiresAt: 1 } }).toArray(),
      );
      for (const doc of docs) if (!isExpired(doc, now)) versions.set(doc._id, doc.version);
    }
    return versions;
  }

  /**
   * Write `transition`, made from `prev`, if the stored task is still at `prev.version`. False when
   * another writer got there first: re-read and decide again.
   */
  async commit(prev: Task, transition: Transition): Promise<boolean> {
    if (!(await this.#claimingVersions())) {
      // MongoDB applies the filter and the update as one atomic step: the version is the guard.
      const events = transition.logged.map(encodeEvent);
      const update = { $set: changedFields(prev, transition.task), ...(events.length > 0 && { $push: { events: { $each: events } } }) };
      const result = await guard(() => this.#tasks.updateOne({ _id: prev.id, version: prev.version }, update));
      return result.matchedCount === 1;
    }
    const claim = claimOf(prev, transition, this.#now());
    try {
      await guard(() => this.#claims.insertOne(claim));
    } catch (error) {
      if (!isDuplicateKey(error)) throw error;
      await this.#awaitClaim(prev, claim._id);
      return false;
    }
    // The claim is the guard; a filter of `_id` alone is the only one FerretDB 1.x hands to SQLite
    // (with any other field it reads and decodes every document of the collection).
    const result = await guard(() => this.#tasks.updateOne({ _id: prev.id }, claimedUpdate(claim)));
    return result.matchedCount === 1;
  }

  /** Up to `first` tasks `filter` selects, in `order`, after `after` when given. */
  async list(filter: TaskFilter, order: TaskOrder, first: number, after: Cursor | null): Promise<TaskPage> {
    const query = filterQuery(filter, this.#now());
    const docs = await this.#read(() =>
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
    return this.#read(() => this.#tasks.countDocuments(filterQuery(filter, this.#now())));
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
      this.#read(() =>
        this.#tasks
          .aggregate<{ _id: { queue: string; state: TaskState }; n: number }>([
            { $match: match },
            { $group: { _id: { queue: '$queue', state: '$state' }, n: { $sum: 1 } } },
          ])
          .toArray(),
      ),
      this.#read(() =>
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
    const ids = expired.map((d) => d._id);
    // Re-check expiry in the delete: a `retryTask` may have revived one in between.
    const result = await guard(() => this.#tasks.deleteMany({ _id: { $in: ids }, expiresAt: { $lte: now } }));
    if (await this.#claimingVersions()) {
      // Only the claims of tasks that are gone: a revived task's claims still fence its writers.
      const left = await guard(() => this.#tasks.find({ _id: { $in: ids } }, { projection: { _id: 1 } }).toArray());
      const kept = new Set(left.map((d) => d._id));
      await guard(() => this.#claims.deleteMany({ task: { $in: ids.filter((id) => !kept.has(id)) } }));
    }
    return result.deletedCount;
  }

  /** A read of tasks, in its turn (see `#reads`). */
  #read<T>(call: () => Promise<T>): Promise<T> {
    return this.#reads.run(() => guard(call));
  }

  /** Whether writes must claim their version first: FerretDB, whose updates are not atomic. */
  #claimingVersions(): Promise<boolean> {
    this.#claimsVersions ??= guard(() => isFerretDB(this.#db)).catch((error: unknown) => {
      this.#claimsVersions = undefined; // ask again next time
      throw error;
    });
    return this.#claimsVersions;
  }

  /**
   * Another writer has claimed the change from `prev.version`: wait until its change is in the
   * task. A claim left unwritten for `claimTimeoutMs` is taken for its writer's death (killed
   * between claim and update, or its update failed) and its change is written here instead,
   * guarded by the version, so that the task moves on. Writing a change twice does nothing more
   * than writing it once (`claimedUpdate`), which is what makes a slow claimant harmless here.
   */
  async #awaitClaim(prev: Task, id: string): Promise<void> {
    for (;;) {
      const current = await guard(() => this.#tasks.findOne({ _id: prev.id }, { projection: { version: 1 } }));
      if (current?.version !== prev.version) return;
      const claim = await guard(() => this.#claims.findOne({ _id: id }));
      if (!claim) return;
      if (this.#now().getTime() - claim.at.getTime() >= this.#claimTimeoutMs) {
        await guard(() => this.#tasks.updateOne({ _id: prev.id, version: prev.version }, claimedUpdate(claim)));
        return;
      }
      await sleep(CLAIM_POLL_MS);
    }
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

/** Whether `db` is served by FerretDB rather than MongoDB. */
async function isFerretDB(db: Db): Promise<boolean> {
  const info = await db.admin().command({ buildInfo: 1 });
  return typeof info['ferretdbVersion'] === 'string';
}

/** Runs at most `limit` calls at once; the others wait, first come first served. */
class Lane {
  #free: number;
  readonly #waiting: (() => void)[] = [];

  constructor(limit: number) {
    this.#free = limit;
  }

  async run<T>(call: () => Promise<T>): Promise<T> {
    if (this.#free > 0) this.#free--;
    else await new Promise<void>((resolve) => this.#waiting.push(resolve));
    try {
      return await call();
    } finally {
      const next = this.#waiting.shift();
      if (next) next();
      else this.#free++;
    }
  }
}

/** The claim, made at `at`, of the change `transition` makes from `prev` (FerretDB only). */
export function claimOf(prev: Task, transition: Transition, at: Date): ClaimDocument {
  return {
    _id: `${prev.id}@${prev.version}`,
    task: prev.id,
    at,
    set: changedFields(prev, transition.task),
    events: transition.logged.map(encodeEvent),
  };
}

/**
 * The update that writes a claimed change. Idempotent, so that the claimant and a writer
 * completing its claim may both apply it: `$set` of values, and events added only when absent.
 */
function claimedUpdate(claim: Pick<ClaimDocument, 'set' | 'events'>): UpdateFilter<TaskDocument> {
  return { $set: claim.set, ...(claim.events.length > 0 && { $addToSet: { events: { $each: claim.events } } }) };
}

function emptyCounts(): StateCounts {
  return Object.fromEntries(TASK_STATES.map((s) => [s, 0])) as StateCounts;
}

/** Whether a write failed on a unique index. */
function isDuplicateKey(error: unknown): boolean {
  return error instanceof MongoServerError && error.code === DUPLICATE_KEY;
}

/**
 * What a bulk write that failed with `writeErrors` means. The driver wraps whatever stopped a bulk
 * write as a whole in a bulk error; one with neither write errors nor a server error code never
 * got an answer from the server (connection refused, reset or timed out): MongoDB is unreachable.
 */
function bulkFailure(error: MongoBulkWriteError, writeErrors: WriteError[]): Error {
  if (writeErrors.length === 0 && error.code === undefined) return new DependencyUnavailableError('MongoDB', { cause: error });
  return error;
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

