/**
 * Each task's changes, as one process hears them on the bus, put back in version order for the
 * live feeds (`taskFeed`), which have no replay to fall back on.
 *
 * Changes of one task are published by several processes, each on its own connection: the API's
 * CREATED goes out once the job is queued, and a worker that starts the job at once can be heard
 * first. So a change that skips a version is held until the versions before it arrive, and then
 * the run goes out in order; a version heard after a newer one went out is dropped. Holding is
 * bounded: a version that never comes (its publisher died between its write and its publish,
 * or Redis dropped it while reconnecting) holds what follows for `holdMs`, after which the held
 * changes go out in order, without it.
 *
 * Only a task created while the process listens is expected to be heard from version 1: of one
 * created before, the first version heard goes out at once. Written by hand: the order is by
 * per-task version with a deadline, which no stream library's generic reordering knows about.
 */
import type { TaskChange } from '../model/task.ts';

/** How one ordering is set up. */
export interface TaskChangeOrderOptions {
  /** From when the process listens: a task created since then is expected to be heard from version 1. */
  since: Date;
  /** How long a change waits for the versions before it, at most. */
  holdMs: number;
  /** Receives the changes in each task's version order. */
  emit: (change: TaskChange) => void;
  /** How many tasks' last versions are kept (the least recently heard are forgotten first). */
  maxTasks?: number;
}

/** What is known of one task: the last version sent, and what waits for the versions before it. */
interface TaskOrder {
  last: number;
  held: TaskChange[];
  timer: NodeJS.Timeout | null;
}

const DEFAULT_MAX_TASKS = 50_000;

export class TaskChangeOrder {
  readonly #since: number;
  readonly #holdMs: number;
  readonly #emit: (change: TaskChange) => void;
  readonly #maxTasks: number;
  /** By task id, least recently heard first. */
  readonly #tasks = new Map<string, TaskOrder>();

  constructor(options: TaskChangeOrderOptions) {
    this.#since = options.since.getTime();
    this.#holdMs = options.holdMs;
    this.#emit = options.emit;
    this.#maxTasks = options.maxTasks ?? DEFAULT_MAX_TASKS;
  }

  /** Take a change as heard; it goes out now, after the versions before it, or never (a version already passed). */
  accept(change: TaskChange): void {
    const { id, createdAt } = change.task;
    const version = change.event.version;
    let order = this.#tasks.get(id);
    if (order) {
      // Most recently heard goes last, so the least recently heard are forgotten first.
      this.#tasks.delete(id);
    } else {
      const fromStart = createdAt.getTime() >= this.#since;
      order = { last: fromStart ? 0 : version - 1, held: [], timer: null };
      this.#forgetOldest();
    }
    this.#tasks.set(id, order);

    if (version <= order.last || order.held.some((h) => h.event.version === version)) return;
    if (version === order.last + 1) {
      this.#send(order, change);
      this.#sendConsecutive(order);
    } else {
      order.held.push(change);
      order.held.sort((a, b) => a.event.version - b.event.version);
      order.timer ??= setTimeout(() => this.#giveUpWaiting(order), this.#holdMs);
    }
  }

  /** Stop: what is held goes out in order, and no timer is left running. */
  close(): void {
    for (const order of this.#tasks.values()) this.#giveUpWaiting(order);
    this.#tasks.clear();
  }

  #send(order: TaskOrder, change: TaskChange): void {
    order.last = change.event.version;
    this.#emit(change);
  }

  /** Send the held changes that now follow on without a gap; stop the wait when none is left. */
  #sendConsecutive(order: TaskOrder): void {
    while (order.held[0]?.event.version === order.last + 1) this.#send(order, order.held.shift()!);
    if (order.held.length === 0 && order.timer) {
      clearTimeout(order.timer);
      order.timer = null;
    }
  }

  /** The versions waited for did not come: send what is held, in order, past the gap. */
  #giveUpWaiting(order: TaskOrder): void {
    if (order.timer) clearTimeout(order.timer);
    order.timer = null;
    const held = order.held;
    order.held = [];
    for (const change of held) this.#send(order, change);
  }

  #forgetOldest(): void {
    while (this.#tasks.size >= this.#maxTasks) {
      const [id, oldest] = this.#tasks.entries().next().value as [string, TaskOrder];
      this.#giveUpWaiting(oldest);
      this.#tasks.delete(id);
    }
  }
}
