/**
 * The MongoDB store of flows: what each flow is made of (`flows`), the log of its state changes
 * (`flow_changes`), and the questions about a flow's tasks that releasing them asks of `tasks`.
 *
 * A flow's state is never updated in place. Each change is a new document whose `_id` is the flow
 * and the version it makes (`<flow id>@<version>`), so of the writers deciding from one version
 * exactly one inserts it — an insert under a unique `_id` is atomic on every server taskql runs on,
 * FerretDB 1.x included, where updates are not (`ferretdb-claims.ts`). The log is also what lets
 * `flowUpdated` deliver every version. The flow document keeps the newest state it has heard of as
 * a hint for the reconciler, written after the change: the log is the record.
 *
 * Every filter names the owner with the id (docs/mongodb-sharding.md); only an admin's lookup of
 * a flow by id alone does not.
 */
import type { Collection, Db, Document, Filter } from 'mongodb';
import { firstFlowChange, flowAt, summarizeDependencies, type DependencyState, type DependencySummary, type Flow, type FlowChange, type FlowRecord, type FlowState } from '../model/flow.ts';
import { FINAL_STATES, isExpired, isFinalState, type Task, type TaskState } from '../model/task.ts';
import { decodeJson } from '../model/task-codec.ts';
import { TaskConflictError } from '../errors.ts';
import { guard, isDuplicateKey } from './mongo-errors.ts';
import { createIndexesOneByOne, idCondition } from './server-quirks.ts';
import { decodeTask, type TaskDocument } from './task-document.ts';

/** A stored flow: its record, the key its idempotency index holds, and the newest state heard of. */
interface FlowDocument extends Omit<FlowRecord, 'id'> {
  _id: string;
  /** Owner and idempotency key when it has one, else its own id (see `TaskDocument.dedupeKey`). */
  dedupeKey: string;
  /** False until every task of the flow is stored and queued: an unsubmitted flow is undone by the reconciler. */
  submitted: boolean;
  /** The newest change written here (a hint: the log may be ahead). */
  state: FlowState;
  version: number;
  updatedAt: Date;
}

/** A stored change: the change, under `<flow id>@<version>`, with its flow's owner. */
interface FlowChangeDocument extends FlowChange {
  _id: string;
  owner: string;
}

/** Which flow a lookup names: its id, and its owner unless an admin looks across owners. */
export interface FlowRef {
  id: string;
  owner: string | null;
}

/** What storing a new flow led to: stored, or the flow its idempotency key already names. */
export type FlowInserted = { inserted: true } | { inserted: false; existing: Flow };

export class FlowStore {
  readonly #flows: Collection<FlowDocument>;
  readonly #changes: Collection<FlowChangeDocument>;
  readonly #tasks: Collection<TaskDocument>;
  readonly #now: () => Date;

  constructor(db: Db, now: () => Date = () => new Date()) {
    this.#flows = db.collection<FlowDocument>('flows');
    this.#changes = db.collection<FlowChangeDocument>('flow_changes');
    this.#tasks = db.collection<TaskDocument>('tasks');
    this.#now = now;
  }

  /** Create the indexes flows rely on (idempotent; every process runs it at start-up). */
  async ensureIndexes(): Promise<void> {
    await createIndexesOneByOne(this.#flows, [
      { key: { owner: 1, dedupeKey: 1 }, name: 'owner_dedupeKey_unique', unique: true },
      { key: { state: 1, updatedAt: 1 }, name: 'state_updatedAt' },
    ]);
    await createIndexesOneByOne(this.#changes, [{ key: { owner: 1, flowId: 1, version: 1 }, name: 'owner_flowId_version' }]);
    await createIndexesOneByOne(this.#tasks, [
      { key: { owner: 1, flowId: 1 }, name: 'owner_flowId' },
    ]);
  }

  /**
   * Store a new flow, unsubmitted, with its first change — unless the owner has a flow with the
   * same idempotency key: then nothing is stored and that flow is returned.
   */
  async insert(record: FlowRecord): Promise<FlowInserted> {
    const first = firstFlowChange(record.id, record.taskIds.length, record.createdAt);
    const { id, ...fields } = record;
    const doc: FlowDocument = {
      _id: id,
      ...fields,
      dedupeKey: record.idempotencyKey === null ? `id:${id}` : `key:${record.idempotencyKey}`,
      submitted: false,
      state: first.state,
      version: first.version,
      updatedAt: first.at,
    };
    try {
      await guard(() => this.#flows.insertOne(doc));
    } catch (error) {
      if (!isDuplicateKey(error)) throw error;
      const existing = await guard(() => this.#flows.findOne({ owner: record.owner, dedupeKey: doc.dedupeKey }));
      if (!existing) throw error;
      // An unsubmitted holder is a submission under way, or one that failed and is being undone.
      if (!existing.submitted) throw new TaskConflictError(`an earlier enqueueFlow with idempotencyKey "${record.idempotencyKey}" has not completed (it is under way, or failed and is being undone); try again shortly`);
      return { inserted: false, existing: await this.#withLatest(existing) };
    }
    await guard(() => this.#changes.insertOne({ _id: changeId(id, 1), owner: record.owner, ...first }));
    return { inserted: true };
  }

  /** Mark a flow submitted: all its tasks are stored and the runnable ones queued. */
  async markSubmitted(flow: Pick<FlowRecord, 'id' | 'owner'>): Promise<void> {
    await guard(() => this.#flows.updateOne({ owner: flow.owner, _id: flow.id }, { $set: { submitted: true } }));
  }

  /** Mark a flow unsubmitted again: the first step of undoing a submission that failed. */
  async markUnsubmitted(flow: Pick<FlowRecord, 'id' | 'owner'>): Promise<void> {
    await guard(() => this.#flows.updateOne({ owner: flow.owner, _id: flow.id }, { $set: { submitted: false } }));
  }

  /** Delete a flow and its log outright: to undo a submission that failed, or once its tasks are gone. */
  async remove(flow: Pick<FlowRecord, 'id' | 'owner'>): Promise<void> {
    await guard(() => this.#changes.deleteMany({ owner: flow.owner, flowId: flow.id }));
    await guard(() => this.#flows.deleteOne({ owner: flow.owner, _id: flow.id }));
  }

  /**
   * Delete each of `flows` of which no task is stored any more (the retention deleted the last),
   * with its change log; resolves with how many went. A flow with a task left is kept.
   */
  async removeEmptied(flows: readonly Pick<FlowRecord, 'id' | 'owner'>[]): Promise<number> {
    const distinct = new Map(flows.map((f) => [`${f.owner}\u0000${f.id}`, f]));
    let removed = 0;
    for (const flow of distinct.values()) {
      if (await guard(() => this.#tasks.findOne({ owner: flow.owner, flowId: flow.id }, { projection: { _id: 1 } }))) continue;
      await this.remove(flow);
      removed++;
    }
    return removed;
  }

  /** The flow as of its newest change; null when unknown or not `ref.owner`'s. */
  async get(ref: FlowRef): Promise<Flow | null> {
    const filter: Filter<FlowDocument> = ref.owner === null ? { _id: ref.id } : { owner: ref.owner, _id: ref.id };
    const doc = await guard(() => this.#flows.findOne(filter));
    return doc && doc.submitted ? this.#withLatest(doc) : null;
  }

  /** The newest recorded change of flow `flowId`, submitted or not; null when it has none. */
  async latest(owner: string, flowId: string): Promise<FlowChange | null> {
    const docs = await guard(() => this.#changes.find({ owner, flowId }).sort({ version: -1 }).limit(1).toArray());
    return docs[0] ? toChange(docs[0]) : null;
  }

  /** The changes of flow `flow` after version `after`, in version order. */
  async changesAfter(flow: Pick<FlowRecord, 'id' | 'owner'>, after: number): Promise<FlowChange[]> {
    const docs = await guard(() =>
      this.#changes.find({ owner: flow.owner, flowId: flow.id, version: { $gt: after } }).sort({ version: 1 }).toArray(),
    );
    return docs.map(toChange);
  }

  /**
   * Record `change` (made from the flow's version before it) unless another writer recorded that
   * version first: false then, and the caller decides again from the newer version.
   */
  async append(owner: string, change: FlowChange): Promise<boolean> {
    try {
      await guard(() => this.#changes.insertOne({ _id: changeId(change.flowId, change.version), owner, ...change }));
    } catch (error) {
      if (isDuplicateKey(error)) return false;
      throw error;
    }
    // The hint moves forward only; a late writer of an older change leaves it.
    await guard(() =>
      this.#flows.updateOne(
        { owner, _id: change.flowId, version: { $lt: change.version } },
        { $set: { state: change.state, version: change.version, updatedAt: change.at } },
      ),
    );
    return true;
  }

  /**
   * The states of flow `flowId`'s tasks (of those not expired; children its tasks spawned are not
   * the flow's tasks), counted by the server — one row per state comes back, not a document per
   * task, however large the flow.
   */
  async taskStates(owner: string, flowId: string): Promise<TaskState[]> {
    const rows = await guard(() =>
      this.#tasks
        .aggregate<{ _id: TaskState; n: number }>([{ $match: { owner, flowId, parentId: null, ...this.#unexpired() } }, { $group: { _id: '$state', n: { $sum: 1 } } }])
        .toArray(),
    );
    return rows.flatMap((row) => Array.from({ length: row.n }, () => row._id));
  }

  /**
   * What decides `task`, waiting for its dependencies: one of them that ended without succeeding
   * (FAILED, CANCELLED, expired or gone; as CANCELLED for the last two), and whether any is
   * unfinished. The first question is whether any is other than SUCCEEDED and unexpired, asked as
   * {@link unfinishedDependencies} asks (of the whole flow, one task at most): a release — nothing
   * found — costs one such question, not one per kind. Only a task found tells which second
   * question settles the rest. All are read only once nothing blocks, to find one that is gone.
   */
  async dependencySummary(task: DependentTask): Promise<DependencySummary> {
    const now = this.#now();
    const unsuccessful: Filter<TaskDocument> = { $or: [{ state: { $in: ['FAILED', 'CANCELLED'] } }, { expiresAt: { $lte: now } }] };
    const [blocking] = await this.#dependenciesWhere(task, { $or: [{ state: { $ne: 'SUCCEEDED' } }, { expiresAt: { $lte: now } }] }, 1);
    const ended = (d: DependencyDocument): DependencyState => ({ id: d._id, ref: d.ref ?? null, state: isExpired(d, now) ? 'CANCELLED' : d.state });
    if (blocking && (isFinalState(blocking.state) || isExpired(blocking, now))) {
      return { unsuccessful: ended(blocking), unfinished: (await this.#dependenciesWhere(task, UNFINISHED, 1)).length > 0 };
    }
    if (blocking) {
      const [failed] = await this.#dependenciesWhere(task, unsuccessful, 1);
      return { unsuccessful: failed ? ended(failed) : null, unfinished: true };
    }
    return summarizeDependencies(await this.dependencyStates(task));
  }

  /**
   * Every dependency of `task` as the release decision sees it, in `task`'s order (expired and
   * gone ones as CANCELLED), from one read of them all: for a decision expected to release, where
   * {@link dependencySummary}'s first question would find nothing and only add a read.
   */
  async dependencyStates(task: DependentTask): Promise<DependencyState[]> {
    const now = this.#now();
    const stored = new Map((await this.#storedDependencies<DependencyDocument>(task, DEPENDENCY_PROJECTION)).map((d) => [d._id, d]));
    return task.dependsOn.map((id) => {
      const d = stored.get(id);
      return { id, ref: d?.ref ?? null, state: d && !isExpired(d, now) ? d.state : 'CANCELLED' };
    });
  }

  /**
   * Up to `limit` of `task`'s dependencies that are unfinished, by id; none when none is. Asked of
   * the whole flow first: in a fan-in nearly every other task is a dependency, so the tasks found
   * are, and the question reads no more of a 1,000-task fan-in than of a chain. Only when `limit`
   * tasks are found and none is a dependency is it asked of the dependencies by id (an `$in` over
   * all of them, which costs each id's lookup).
   */
  async unfinishedDependencies(task: DependentTask, limit: number): Promise<string[]> {
    return (await this.#dependenciesWhere(task, UNFINISHED, limit)).map((d) => d._id);
  }

  /** Whether task `id` of `owner` exists and is not final: one lookup by id, reading its state only. */
  async isUnfinished(owner: string, id: string): Promise<boolean> {
    const found = await guard(() => this.#tasks.findOne({ owner, _id: id }, { projection: { state: 1 } }));
    return found !== null && !isFinalState(found.state);
  }

  /** Up to `limit` dependencies of `task` that `filter` selects, asked as {@link unfinishedDependencies} asks. */
  async #dependenciesWhere(task: DependentTask, filter: Filter<TaskDocument>, limit: number): Promise<DependencyDocument[]> {
    // Children carry their flow's id but are no task's dependency: leaving them out keeps this first, cheap question decisive.
    const ofFlow: Filter<TaskDocument> = { owner: task.owner, flowId: task.flowId, parentId: null, _id: { $ne: task.id } };
    const inFlow = await guard(() => this.#tasks.find({ $and: [ofFlow, filter] }, { projection: DEPENDENCY_PROJECTION }).limit(limit).toArray());
    const dependencies = new Set(task.dependsOn);
    const found = inFlow.filter((d) => dependencies.has(d._id));
    if (found.length > 0 || inFlow.length < limit) return found;
    return guard(() => this.#tasks.find({ $and: [ofDependencies(task), filter] }, { projection: DEPENDENCY_PROJECTION }).limit(limit).toArray());
  }

  /** The dependencies of `task` that exist and have not expired, in no particular order, without their logs. */
  async dependencies(task: DependentTask): Promise<Task[]> {
    return this.#live(await this.#storedDependencies<TaskDocument>(task, { events: 0 }));
  }

  /**
   * How each dependency of `task` that exists and has not expired ended, read without the rest of
   * it: what a handler is shown (`ctx.dependencies`), for which decoding 999 whole tasks of a
   * fan-in made up most of its attempt.
   */
  async dependencyResults(task: DependentTask): Promise<DependencyResult[]> {
    const now = this.#now();
    const docs = await this.#storedDependencies<ResultDocument>(task, RESULT_PROJECTION);
    return docs.filter((d) => !isExpired(d, now)).map((d) => ({ id: d._id, ref: d.ref ?? null, state: d.state, result: decodeJson(d.result), error: d.error }));
  }

  /**
   * The stored dependencies of `task` (expired ones too), with the fields `projection` names. When
   * they may be most of the flow, as in a fan-in, the flow's tasks are read and the dependencies
   * picked out: mongo-java-server matches an `$in` by comparing each document with every id in it
   * (a fan-in's 999 took 78 ms in the bench), MongoDB reads the flow from its `owner_flowId` index as it would
   * the ids from `_id`'s. The read stops at half as many tasks again as there are dependencies; a
   * larger flow is asked by id instead, so at most that many are read in vain.
   */
  async #storedDependencies<T extends Pick<TaskDocument, '_id'>>(task: DependentTask, projection: Document): Promise<T[]> {
    if (task.dependsOn.length === 0) return [];
    const limit = Math.ceil(1.5 * task.dependsOn.length) + 2;
    const dependencies = new Set(task.dependsOn);
    const ofFlow = await guard(() => this.#tasks.find<T>({ owner: task.owner, flowId: task.flowId, parentId: null }, { projection }).limit(limit).toArray());
    if (ofFlow.length < limit) return ofFlow.filter((d) => dependencies.has(d._id));
    return guard(() => this.#tasks.find<T>(ofDependencies(task), { projection }).toArray());
  }

  /** The tasks of `owner` with the given ids that exist and have not expired, without their logs. */
  async tasks(owner: string, ids: readonly string[]): Promise<Task[]> {
    if (ids.length === 0) return [];
    const docs = await guard(() => this.#tasks.find({ owner, _id: idCondition(ids) }, { projection: { events: 0 } }).toArray());
    return this.#live(docs);
  }

  /** Every task of flow `flowId` that has not expired, the children its tasks spawned included, without their logs. */
  async tasksOfFlow(owner: string, flowId: string): Promise<Task[]> {
    return this.#live(await guard(() => this.#tasks.find({ owner, flowId }, { projection: { events: 0 } }).toArray()));
  }

  /**
   * Up to `limit` flows, in id order after `afterId`, whose newest state heard of is RUNNING and
   * that have not changed since before `before` (for the reconciler, which pages through them all).
   */
  async runningSince(before: Date, limit: number, afterId: string | null): Promise<FlowRecord[]> {
    const filter: Filter<FlowDocument> = { state: 'RUNNING', submitted: true, updatedAt: { $lt: before }, ...(afterId !== null && { _id: { $gt: afterId } }) };
    const docs = await guard(() => this.#flows.find(filter).sort({ _id: 1 }).limit(limit).toArray());
    return docs.map(toRecord);
  }

  /** Up to `limit` flows left unsubmitted since before `before`: submissions that died half way. */
  async unsubmittedSince(before: Date, limit: number): Promise<FlowRecord[]> {
    const docs = await guard(() => this.#flows.find({ submitted: false, createdAt: { $lt: before } }).limit(limit).toArray());
    return docs.map(toRecord);
  }

  async #withLatest(doc: FlowDocument): Promise<Flow> {
    const change = (await this.latest(doc.owner, doc._id)) ?? firstFlowChange(doc._id, doc.taskIds.length, doc.createdAt);
    return flowAt(toRecord(doc), change);
  }

  /** The filter of tasks not expired now. */
  #unexpired(): Filter<TaskDocument> {
    return { $or: [{ expiresAt: null }, { expiresAt: { $gt: this.#now() } }] };
  }

  #live(docs: TaskDocument[]): Task[] {
    const now = this.#now();
    return docs.map(decodeTask).filter((t) => !isExpired(t, now));
  }
}

/** What the questions about a waiting task's dependencies need of it. */
type DependentTask = Pick<Task, 'id' | 'owner' | 'flowId' | 'dependsOn'>;

/** What those questions read of a dependency. */
type DependencyDocument = Pick<TaskDocument, '_id' | 'ref' | 'state' | 'expiresAt'>;

/** The fields of a {@link DependencyDocument}. */
const DEPENDENCY_PROJECTION = { _id: 1, ref: 1, state: 1, expiresAt: 1 };

/** How a dependency ended, as its dependent's handler is shown it. */
export type DependencyResult = Pick<Task, 'id' | 'ref' | 'state' | 'result' | 'error'>;

/** What {@link FlowStore.dependencyResults} reads of a dependency. */
type ResultDocument = DependencyDocument & Pick<TaskDocument, 'result' | 'error'>;

/** The fields of an {@link ResultDocument}. */
const RESULT_PROJECTION = { ...DEPENDENCY_PROJECTION, result: 1, error: 1 };

/** The filter of tasks not yet final. */
const UNFINISHED: Filter<TaskDocument> = { state: { $nin: [...FINAL_STATES] } };

/** The filter of `task`'s dependencies, by id. */
function ofDependencies(task: DependentTask): Filter<TaskDocument> {
  return { owner: task.owner, _id: idCondition(task.dependsOn) };
}

function changeId(flowId: string, version: number): string {
  return `${flowId}@${version}`;
}

function toChange({ _id, owner: _owner, ...change }: FlowChangeDocument): FlowChange {
  return change;
}

function toRecord(doc: FlowDocument): FlowRecord {
  return { id: doc._id, owner: doc.owner, name: doc.name, tags: doc.tags, idempotencyKey: doc.idempotencyKey, taskIds: doc.taskIds, createdAt: doc.createdAt };
}
