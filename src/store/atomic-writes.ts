/**
 * Version-guarded writes on MongoDB: the filter names the version the change was made from, and
 * MongoDB applies filter and update as one atomic step, so the version alone is the guard. The
 * filter names the task by its full shard key (`shard-keys.ts`), so a sharded cluster routes the
 * update to the one shard holding it.
 */
import type { Collection, Db } from 'mongodb';
import type { Transition } from '../model/state-machine.ts';
import type { Task } from '../model/task.ts';
import { guard } from './mongo-errors.ts';
import { taskKeyFilter } from './shard-keys.ts';
import { changedFields, encodeEvent, type TaskDocument } from './task-document.ts';
import type { TaskWrites } from './task-writes.ts';

/** {@link TaskWrites} on a server whose single-document updates are atomic (MongoDB). */
export class AtomicWrites implements TaskWrites {
  readonly #tasks: Collection<TaskDocument>;

  constructor(db: Db) {
    this.#tasks = db.collection<TaskDocument>('tasks');
  }

  async commit(prev: Task, transition: Transition): Promise<boolean> {
    const events = transition.logged.map(encodeEvent);
    const update = { $set: changedFields(prev, transition.task), ...(events.length > 0 && { $push: { events: { $each: events } } }) };
    const result = await guard(() => this.#tasks.updateOne({ ...taskKeyFilter(prev), version: prev.version }, update));
    return result.matchedCount === 1;
  }

  async afterDelete(): Promise<void> {
    // Nothing is kept beside the tasks.
  }
}
