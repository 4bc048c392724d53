/**
 * The MongoDB store of tasks and their event logs. One document per task holds both, so a state
 * change and the event recording it are written by one atomic, version-guarded update: no
 * transaction is needed, and a late or duplicate writer can never move a task backwards.
 */
import {
  MongoNetworkError,
  MongoNotConnectedError,
  MongoServerSelectionError,
  MongoTopologyClosedError,
  type Collection,
  type Db,
} from 'mongodb';
import { DependencyUnavailableError } from '../errors.ts';
import type { Transition } from '../model/state-machine.ts';
import type { Task, TaskEvent } from '../model/task.ts';
import { changedFields, decodeEvent, decodeTask, encodeEvent, encodeTask, type TaskDocument } from './task-document.ts';

/** A task and its recorded events after some version. */
export interface TaskWithEvents {
  task: Task;
  events: TaskEvent[];
}

export class TaskStore {
  readonly #tasks: Collection<TaskDocument>;

  constructor(db: Db) {
    this.#tasks = db.collection<TaskDocument>('tasks');
  }

  /** Store a new task with the events of its creation. */
  async insert(transition: Transition): Promise<void> {
    await guard(() => this.#tasks.insertOne(encodeTask(transition.task, transition.logged)));
  }

  /** Delete a task outright: only to undo an insert whose job could not be queued. */
  async remove(id: string): Promise<void> {
    await guard(() => this.#tasks.deleteOne({ _id: id }));
  }

  /** The task, without its log; null when unknown. */
  async get(id: string): Promise<Task | null> {
    const doc = await guard(() => this.#tasks.findOne({ _id: id }, { projection: { events: 0 } }));
    return doc && decodeTask(doc);
  }

  /**
   * The task and every recorded event after `afterVersion`, in version order. The newest PROGRESS
   * event of a running attempt is included although it is not in the log yet.
   */
  async getWithEvents(id: string, afterVersion: number): Promise<TaskWithEvents | null> {
    const doc = await guard(() => this.#tasks.findOne({ _id: id }));
    if (!doc) return null;
    const task = decodeTask(doc);
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

function isUnreachable(error: unknown): boolean {
  return (
    error instanceof MongoServerSelectionError ||
    error instanceof MongoNetworkError ||
    error instanceof MongoNotConnectedError ||
    error instanceof MongoTopologyClosedError
  );
}
