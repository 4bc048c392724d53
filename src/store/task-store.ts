/**
 * The MongoDB store of tasks and their event logs. One document per task holds both, so a state
 * change and the event recording it are written by one version-guarded update: no transaction is
 * needed, and a late or duplicate writer can never move a task backwards. How that update is made
 * safe depends on the server (`task-writes.ts`); everything else here is plain MongoDB that
 * FerretDB runs too (`server-quirks.ts` holds the forms chosen for it).
 *
 * Tasks past their `expiresAt` are gone as far as readers are concerned, at once; the documents
 * themselves are deleted in batches by the worker's scheduled cleanup.
 */
import { MongoBulkWriteError, type Collection, type Db, type Filter, type WriteError } from 'mongodb';
import pLimit, { type LimitFunction } from 'p-limit';
import { DependencyUnavailableError } from '../errors.ts';
import { gatheredPerTurn } from '../gathered-calls.ts';
import type { Transition } from '../model/state-machine.ts';
import type { TaskFilter } from '../model/task-filter.ts';
import { isExpired, TASK_STATES, type Task, type TaskEvent, type TaskRef, type TaskState } from '../model/task.ts';
import { AtomicWrites } from './atomic-writes.ts';
import { FerretDbClaims, type ClaimOptions } from './ferretdb-claims.ts';
import { guard, isDuplicateKey, isTransient } from './mongo-errors.ts';
import { createIndexesOneByOne, dropIndexIfPresent, serverSpecificTaskIndexes, stateCountPipelines, type DueCountRow, type StateCountRow } from './server-quirks.ts';
import { taskKeyFilter, taskRefFilter, taskRefsFilter } from './shard-keys.ts';
import { decodeEvent, decodeTask, encodeTask, type TaskDocument } from './task-document.ts';
import { afterQuery, filterQuery, LIST_INDEXES, sortOf, type Cursor, type TaskOrder } from './task-query.ts';
import type { TaskWrites } from './task-writes.ts';

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

/** A task the retention deleted: which it was, and its flow's id (null outside flows). */
export interface DeletedTask {
  id: string;
  owner: string;
  flowId: string | null;
}

/** How many retained tasks of one queue are in each state (as clients see states). */
export type StateCounts = Record<TaskState, number>;

/** What inserting a new task led to: stored, or an earlier live task with the same idempotency key. */
export type Inserted = { inserted: true } | { inserted: false; existing: Task };

/** Options of {@link TaskStore}; `claimTimeoutMs` matters on FerretDB only (see `ferretdb-claims.ts`). */
export interface TaskStoreOptions extends ClaimOptions {
  /** Reads of tasks this store runs at once; more wait their turn (see `#readLimit`). */
  maxConcurrentReads?: number;
}

const MAX_CONCURRENT_READS = 8;
/**
 * The idempotency index before it started with the shard key: it enforces what `owner_dedupeKey`
 * does (a key's `dedupeKey` holds its owner), and a collection holding it cannot be sharded.
 */
const SUPERSEDED_DEDUPE_INDEX = 'dedupeKey_unique';
/** Ids per query of `versions`: a query stays small however many tasks a process watches. */
const VERSIONS_PER_QUERY = 1000;
/** Inserts per gathered bulk write: however busy the process, one write stays small. */
const GATHERED_INSERTS_MAX = 100;

/** The tasks of one MongoDB database: stored, changed, listed and deleted. */
export class TaskStore {
  readonly #db: Db;
  readonly #tasks: Collection<TaskDocument>;
  readonly #now: () => Date;
  readonly #claimOptions: ClaimOptions;
  /**
   * The reads of tasks (by id, lists, counts), a few at a time. Every open subscription reads the
   * record when it starts, after a gap and when idle, so a process with thousands of them can ask
   * for more reads than the server serves; unbounded, they take every pooled connection and the
   * server's CPU, and the writes that move tasks on (and enqueues) wait behind them — on FerretDB,
   * where every read scans the collection, until nothing is answered at all. Bounded, the excess
   * waits here and writes go straight through.
   */
  readonly #readLimit: LimitFunction;
  /** The inserts of one event-loop turn, as one bulk write (see `insert`). */
  readonly #gatheredInsert = gatheredPerTurn<Transition, Inserted>(
    async (batch) => (batch.length === 1 ? [await this.#insertOne(batch[0]!)] : this.#insertEach(batch)),
    GATHERED_INSERTS_MAX,
  );
  /** How this server's writes and lookups are made: chosen once the server has said which it is. */
  #forms: Promise<ServerForms> | undefined;

  constructor(db: Db, now: () => Date = () => new Date(), options: TaskStoreOptions = {}) {
    this.#db = db;
    this.#tasks = db.collection<TaskDocument>('tasks');
    this.#now = now;
    this.#claimOptions = options;
    this.#readLimit = pLimit(options.maxConcurrentReads ?? MAX_CONCURRENT_READS);
  }

  /** Create the indexes the store relies on (idempotent; every process runs it at start-up). */
  async ensureIndexes(): Promise<void> {
    await createIndexesOneByOne(this.#tasks, [
      // The shard key (docs/mongodb-sharding.md), and unique: one live task per idempotency key.
      { key: { owner: 1, dedupeKey: 1 }, name: 'owner_dedupeKey_unique', unique: true },
      { key: { expiresAt: 1 }, name: 'expiresAt' },
      ...LIST_INDEXES,
      ...(await serverSpecificTaskIndexes(this.#db)),
    ]);
    await dropIndexIfPresent(this.#tasks, SUPERSEDED_DEDUPE_INDEX);
  }

  /**
   * Store a new task with the events of its creation — unless a live task with the same type and
   * idempotency key exists: then nothing is stored and that task is returned. The unique index
   * decides, so two racing requests cannot both insert.
   *
   * The inserts asked for in one turn of the event loop (concurrent requests) are written by one
   * `insertMany`, each caller told its own outcome: one command and one socket write for all of
   * them instead of one each, which is most of what an insert costs the process. A refusal of
   * one task's document is that caller's alone.
   */
  insert(transition: Transition): Promise<Inserted> {
    return this.#gatheredInsert(transition);
  }

  async #insertOne(transition: Transition): Promise<Inserted> {
    const doc = encodeTask(transition.task, transition.logged);
    for (;;) {
      try {
        await guard(() => this.#tasks.insertOne(doc));
        return { inserted: true };
      } catch (error) {
        if (!isDuplicateKey(error)) throw error;
        const existing = await this.#liveDuplicate(doc.owner, doc.dedupeKey);
        if (existing) return { inserted: false, existing };
      }
    }
  }

  /**
   * Store many new tasks at once (one `insertMany`), each as `insert` would: the result at index
   * i says what became of `transitions[i]`. Throws when any of them could not be stored.
   */
  async insertMany(transitions: Transition[]): Promise<Inserted[]> {
    const results = await this.#insertEach(transitions);
    const failure = results.find((result) => result instanceof Error);
    if (failure) throw failure;
    return results as Inserted[];
  }

  /**
   * One `insertMany`, then one by one what it did not write: each result is what `insert` would
   * have answered for that task, or the error it would have thrown. Throws when MongoDB is away,
   * since then which documents were written is unknown.
   */
  async #insertEach(transitions: readonly Transition[]): Promise<(Inserted | Error)[]> {
    const docs = transitions.map((t) => encodeTask(t.task, t.logged));
    const results: (Inserted | Error)[] = docs.map(() => ({ inserted: true }));
    try {
      await guard(() => this.#tasks.insertMany(docs, { ordered: false }));
    } catch (error) {
      const away = unavailability(error);
      if (away) throw away;
      // Refused in part (duplicates, a document the server or the driver would not take): which
      // documents were written is asked of the server rather than read off the error, since not
      // every server goes on past a refusal or counts what it wrote (mongo-java-server stops at
      // the first). The rest go one by one, as `insert` handles them: a duplicate as an earlier
      // task with the key (or an expired holder), a transient refusal tried again, any other
      // refusal that task's own error.
      const refs = docs.map((doc) => ({ id: doc._id, owner: doc.owner }));
      const written = new Set((await guard(() => this.#tasks.find(taskRefsFilter(refs), { projection: { _id: 1 } }).toArray())).map((d) => d._id));
      await Promise.all(
        docs.map(async (doc, index) => {
          if (written.has(doc._id)) return;
          results[index] = await this.#insertOne(transitions[index]!).catch((failure: unknown) => (failure instanceof Error ? failure : new Error(String(failure))));
        }),
      );
    }
    return results;
  }

  /** Delete a task outright: only to undo an insert whose job could not be queued. */
  async remove(task: Task): Promise<void> {
    const forms = await this.#serverForms();
    await guard(() => this.#tasks.deleteOne(forms.point(task)));
  }

  /** Delete the given tasks outright (undoing a batch insert). */
  async removeMany(tasks: readonly Task[]): Promise<void> {
    if (tasks.length === 0) return;
    await guard(() => this.#tasks.deleteMany(taskRefsFilter(tasks)));
  }

  /** The task `ref` names, without its log; null when unknown, expired or not `ref.owner`'s. */
  async get(ref: TaskRef): Promise<Task | null> {
    const forms = await this.#serverForms();
    const doc = await this.#read(() => this.#tasks.findOne(forms.lookup(ref), { projection: { events: 0 } }));
    return this.#live(doc && decodeTask(doc), ref);
  }

  /**
   * The task and every recorded event after `afterVersion`, in version order. The newest PROGRESS
   * event of a running attempt is included although it is not in the log yet.
   */
  async getWithEvents(ref: TaskRef, afterVersion: number): Promise<TaskWithEvents | null> {
    const forms = await this.#serverForms();
    const doc = await this.#read(() => this.#tasks.findOne(forms.lookup(ref)));
    const task = this.#live(doc && decodeTask(doc), ref);
    if (!doc || !task) return null;
    const events = doc.events.map(decodeEvent);
    if (task.pendingProgressEvent) events.push(task.pendingProgressEvent);
    return { task, events: events.filter((e) => e.version > afterVersion) };
  }

  /**
   * The stored version of each task of `refs` that exists and has not expired; one query per
   * {@link VERSIONS_PER_QUERY} tasks, so watching many tasks costs a few reads, not one each.
   */
  async versions(refs: readonly TaskRef[]): Promise<Map<string, number>> {
    const now = this.#now();
    const versions = new Map<string, number>();
    for (let i = 0; i < refs.length; i += VERSIONS_PER_QUERY) {
      const chunk = refs.slice(i, i + VERSIONS_PER_QUERY);
      const docs = await this.#read(() =>
        this.#tasks.find(taskRefsFilter(chunk), { projection: { _id: 1, version: 1, expiresAt: 1 } }).toArray(),
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
    return (await this.#serverForms()).writes.commit(prev, transition);
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
    const pipelines = stateCountPipelines(filterQuery({ owner, queues }, now), now);
    const [byState, due] = await Promise.all([
      this.#read(() => this.#tasks.aggregate<StateCountRow>(pipelines.byState).toArray()),
      this.#read(() => this.#tasks.aggregate<DueCountRow>(pipelines.due).toArray()),
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

  /**
   * Delete up to `limit` expired tasks; resolves with those deleted (their flow too, so that a
   * flow goes with its last task). Finding them scans every owner's (on a sharded cluster, every
   * shard); the delete names them by owner and id.
   */
  async deleteExpired(limit: number): Promise<DeletedTask[]> {
    const now = this.#now();
    const expired = await guard(() =>
      this.#tasks.find({ expiresAt: { $lte: now } }, { projection: { _id: 1, owner: 1, flowId: 1 } }).limit(limit).toArray(),
    );
    if (expired.length === 0) return [];
    const refs = expired.map((d) => ({ id: d._id, owner: d.owner }));
    // Re-check expiry in the delete: a `retryTask` may have revived one in between.
    const result = await guard(() => this.#tasks.deleteMany({ $and: [taskRefsFilter(refs), { expiresAt: { $lte: now } }] }));
    await (await this.#serverForms()).writes.afterDelete(refs);
    const deleted = expired.map((d) => ({ id: d._id, owner: d.owner, flowId: d.flowId ?? null }));
    if (result.deletedCount === deleted.length) return deleted;
    const kept = await guard(() => this.#tasks.find(taskRefsFilter(refs), { projection: { _id: 1 } }).toArray());
    const keptIds = new Set(kept.map((d) => d._id));
    return deleted.filter((d) => !keptIds.has(d.id));
  }

  /** A read of tasks, in its turn (see `#readLimit`). */
  #read<T>(call: () => Promise<T>): Promise<T> {
    return this.#readLimit(() => guard(call));
  }

  /** This server's writes and lookups; the server is asked which it is once it answers. */
  #serverForms(): Promise<ServerForms> {
    this.#forms ??= guard(() => serverFormsFor(this.#db, this.#now, this.#claimOptions)).catch((error: unknown) => {
      this.#forms = undefined; // ask again next time
      throw error;
    });
    return this.#forms;
  }

  /**
   * `task` if it has not expired (and is `ref.owner`'s: on FerretDB a lookup names the id alone,
   * see `serverFormsFor`), else null.
   */
  #live(task: Task | null, ref: TaskRef): Task | null {
    return task && !isExpired(task, this.#now()) && (ref.owner === null || task.owner === ref.owner) ? task : null;
  }

  /** `owner`'s live task holding `dedupeKey`; an expired holder is deleted so the key can be reused. */
  async #liveDuplicate(owner: string, dedupeKey: string): Promise<Task | null> {
    const doc = await guard(() => this.#tasks.findOne({ owner, dedupeKey }, { projection: { events: 0 } }));
    if (!doc) return null; // deleted meanwhile: try the insert again
    const task = decodeTask(doc);
    if (!isExpired(task, this.#now())) return task;
    await guard(() => this.#tasks.deleteOne({ ...taskKeyFilter(task), version: task.version }));
    return null;
  }
}

function emptyCounts(): StateCounts {
  return Object.fromEntries(TASK_STATES.map((s) => [s, 0])) as StateCounts;
}

/**
 * What to throw for a bulk write that failed as a whole, since which documents it wrote is then
 * unknown: MongoDB away, a bulk error with neither write errors nor a server error code (the
 * driver wraps whatever stopped the write in one: connection refused, reset or timed out), or one
 * the server refused for now as a whole. Null when the server answered for the documents it
 * refused, or the driver refused a document before sending.
 */
function unavailability(error: unknown): DependencyUnavailableError | null {
  if (error instanceof DependencyUnavailableError) return error;
  if (!(error instanceof MongoBulkWriteError) || ([] as WriteError[]).concat(error.writeErrors).length > 0) return null;
  const unanswered = error.code === undefined;
  return unanswered || isTransient({ code: error.code, errmsg: error.message }) ? new DependencyUnavailableError('MongoDB', { cause: error }) : null;
}

/** How one server has tasks written and looked up. */
interface ServerForms {
  writes: TaskWrites;
  /** The filter of a lookup of the task `ref` names. */
  lookup(ref: TaskRef): Filter<TaskDocument>;
  /** The filter of exactly `task`'s document. */
  point(task: Task): Filter<TaskDocument>;
}

/**
 * The forms `db`'s server needs (asks the server which it is: one `buildInfo`). On MongoDB (and
 * mongo-java-server) a filter carries the shard key (`shard-keys.ts`). FerretDB 1.x is not sharded
 * and hands SQLite a filter only when it is exactly `{ _id }`, any other field making the lookup a
 * scan of the collection (docs/mongodb-compatibility.md): there, one task is named by `_id` alone.
 */
async function serverFormsFor(db: Db, now: () => Date, options: ClaimOptions): Promise<ServerForms> {
  const info = await db.admin().command({ buildInfo: 1 });
  if (typeof info['ferretdbVersion'] === 'string') {
    const byId = ({ id }: { id: string }) => ({ _id: id });
    return { writes: new FerretDbClaims(db, now, options), lookup: byId, point: byId };
  }
  return { writes: new AtomicWrites(db), lookup: taskRefFilter, point: taskKeyFilter };
}
