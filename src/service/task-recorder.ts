/**
 * Recording a change: decide it with the state machine, write it to MongoDB with the version
 * guard, then publish it. If another writer moved the task first, re-read and decide again, so
 * the record is always one coherent story however writers race.
 */
import type { Logger } from '../logger.ts';
import type { EventBus } from '../events/event-bus.ts';
import type { TransitionResult } from '../model/state-machine.ts';
import type { Task, TaskChange } from '../model/task.ts';
import type { TaskStore } from '../store/task-store.ts';

/** A change to decide against the task as it is now. */
export type Decision = (task: Task, now: Date) => TransitionResult;

/** What recording led to: the recorded change, or why the task's state refused it. */
export type Recorded = ({ ok: true } & TaskChange) | { ok: false; reason: string; task: Task | null };

/**
 * Work that follows a recorded change in the process that recorded it (a flow's dependents are
 * released this way: `flow-coordinator.ts`). It must be safe to do twice, and safe to never do:
 * a process can die right after the change, and the reconciler then does it.
 */
export type ChangeObserver = (change: TaskChange) => Promise<void>;

/** How many times a decision is re-made after losing a race before giving up. */
const MAX_RACES = 20;

export class TaskRecorder {
  readonly #store: TaskStore;
  readonly #bus: EventBus;
  readonly #logger: Logger;
  readonly #now: () => Date;
  readonly #observers: ChangeObserver[] = [];

  constructor(store: TaskStore, bus: EventBus, logger: Logger, now: () => Date = () => new Date()) {
    this.#store = store;
    this.#bus = bus;
    this.#logger = logger;
    this.#now = now;
  }

  /**
   * Record `decide`'s change, starting from `task` (what the caller last knew; it is re-read if
   * stale). Resolves once the change is in MongoDB and has been handed to Redis.
   */
  async record(task: Task, decide: Decision): Promise<Recorded> {
    let current: Task | null = task;
    for (let race = 0; race < MAX_RACES && current; race++) {
      const transition = decide(current, this.#now());
      if (!transition.ok) return { ok: false, reason: transition.reason, task: current };
      if (await this.#store.commit(current, transition)) {
        const change = { task: transition.task, event: transition.event };
        await this.announce(change);
        await this.#observe(change);
        return { ok: true, ...change };
      }
      current = await this.#store.get({ id: task.id, owner: task.owner });
    }
    return { ok: false, reason: current ? `lost ${MAX_RACES} races in a row` : 'task no longer exists', task: current };
  }

  /** Have `observer` called after every change this recorder records. */
  observe(observer: ChangeObserver): void {
    this.#observers.push(observer);
  }

  /** Tell the observers; a failure is logged, not thrown: the change is the record, and the reconciler finishes the rest. */
  async #observe(change: TaskChange): Promise<void> {
    for (const observer of this.#observers) {
      try {
        await observer(change);
      } catch (error) {
        this.#logger.warn({ err: error, taskId: change.task.id, version: change.event.version }, 'could not finish what follows a recorded change');
      }
    }
  }

  /**
   * Publish a recorded change. A failure is logged, not thrown: the change is already the record,
   * and subscribers fill the gap from MongoDB at the next event or when the bus reconnects.
   */
  async announce(change: TaskChange): Promise<void> {
    try {
      await this.#bus.publish(change);
    } catch (error) {
      this.#logger.warn({ err: error, taskId: change.task.id, version: change.event.version }, 'could not publish a recorded change');
    }
  }
}
