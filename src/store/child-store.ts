/**
 * The questions about children (`ctx.spawn`) that settling and cancelling parents ask of `tasks`:
 * a parent's children, whether any is unfinished, and the parents left waiting for the
 * reconciler. Children are found through `{ owner, parentId }`: a child has its parent's owner, so
 * every filter but the reconciler's scan across owners names the first field of the shard key
 * (docs/mongodb-sharding.md).
 */
import type { Collection, Db, Filter } from 'mongodb';
import { FINAL_STATES, isExpired, type Task } from '../model/task.ts';
import { guard } from './mongo-errors.ts';
import { createIndexesOneByOne } from './server-quirks.ts';
import { decodeTask, type TaskDocument } from './task-document.ts';

export class ChildStore {
  readonly #tasks: Collection<TaskDocument>;
  readonly #now: () => Date;

  constructor(db: Db, now: () => Date = () => new Date()) {
    this.#tasks = db.collection<TaskDocument>('tasks');
    this.#now = now;
  }

  /** Create the indexes children rely on (idempotent; every process runs it at start-up). */
  async ensureIndexes(): Promise<void> {
    await createIndexesOneByOne(this.#tasks, [
      { key: { owner: 1, parentId: 1, state: 1 }, name: 'owner_parentId_state' },
      { key: { waitingForChildren: 1, state: 1, _id: 1 }, name: 'waitingForChildren_state_id' },
      { key: { state: 1, finishedAt: 1, _id: 1 }, name: 'state_finishedAt_id' },
    ]);
  }

  /** The children of `parent` that have not expired, without their logs (in no particular order). */
  async children(parent: Pick<Task, 'id' | 'owner'>): Promise<Task[]> {
    const docs = await guard(() => this.#tasks.find({ owner: parent.owner, parentId: parent.id }, { projection: { events: 0 } }).toArray());
    const now = this.#now();
    return docs.map(decodeTask).filter((t) => !isExpired(t, now));
  }

  /** Whether `parent` has a child that is not final: a count that stops at the first. */
  async hasUnfinishedChild(parent: Pick<Task, 'id' | 'owner'>): Promise<boolean> {
    const filter = { owner: parent.owner, parentId: parent.id, state: { $nin: [...FINAL_STATES] } };
    return (await guard(() => this.#tasks.countDocuments(filter, { limit: 1 }))) > 0;
  }

  /**
   * Up to `limit` tasks, in id order after `afterId`, WAITING for their children since before
   * `before` (for the reconciler, which pages through them all).
   */
  async waitingParentsSince(before: Date, limit: number, afterId: string | null): Promise<Task[]> {
    const filter: Filter<TaskDocument> = {
      waitingForChildren: true,
      state: 'WAITING',
      updatedAt: { $lt: before },
      ...(afterId !== null && { _id: { $gt: afterId } }),
    };
    const docs = await guard(() => this.#tasks.find(filter, { projection: { events: 0 } }).sort({ _id: 1 }).limit(limit).toArray());
    return docs.map(decodeTask);
  }

  /**
   * Up to `limit` tasks, in id order after `afterId`, CANCELLED after they had run (so they may
   * have spawned children) at a time in [`from`, `before`): for the reconciler, which cancels the
   * children such a task's cancel left unfinished.
   */
  async cancelledParentsBetween(from: Date, before: Date, limit: number, afterId: string | null): Promise<Task[]> {
    const filter: Filter<TaskDocument> = {
      state: 'CANCELLED',
      finishedAt: { $gte: from, $lt: before },
      attempt: { $gt: 0 },
      ...(afterId !== null && { _id: { $gt: afterId } }),
    };
    const docs = await guard(() => this.#tasks.find(filter, { projection: { events: 0 } }).sort({ _id: 1 }).limit(limit).toArray());
    return docs.map(decodeTask);
  }
}
