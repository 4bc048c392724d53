/**
 * Live feeds of many tasks (`taskFeed`): every change of every task a subscriber's filter
 * matches, from whichever process caused it. The process watches the bus once for all its feeds
 * and tests each change against each feed's filter in memory, so an event no feed wants costs one
 * predicate per feed and no GraphQL execution at all. Each task's changes reach the feeds in
 * version order (`task-change-order.ts`), however the bus heard them.
 */
import { FixedBuffer, Repeater } from 'graphql-yoga';
import { matchesFilter, type TaskFilter } from '../model/task-filter.ts';
import type { Task, TaskChange, TaskEventWithTask } from '../model/task.ts';
import { eventWithTask, type EventBus } from './event-bus.ts';
import { TaskChangeOrder } from './task-change-order.ts';

/**
 * Events a feed may fall behind by before it is ended with an error: a subscriber that cannot
 * keep up must not make this process hold an unbounded backlog for it.
 */
export const FEED_BACKLOG = 1000;

/**
 * How long a change heard ahead of an earlier version of its task waits for it. Publishers
 * overtake each other by milliseconds; a version that never comes (its publisher died after its
 * write) delays that task's next change in the feeds by this much, once.
 */
export const FEED_REORDER_HOLD_MS = 1000;

interface Feed {
  filter: TaskFilter;
  visible: (task: Task) => boolean;
  push: (event: TaskEventWithTask) => Promise<unknown>;
  fail: (error: Error) => void;
}

export class TaskFeeds {
  readonly #bus: EventBus;
  readonly #now: () => Date;
  readonly #feeds = new Set<Feed>();
  #unwatch: (() => void) | null = null;
  #order: TaskChangeOrder | null = null;
  /** Events handed to feeds since start (what reaches GraphQL execution). */
  delivered = 0;

  constructor(bus: EventBus, now: () => Date = () => new Date()) {
    this.#bus = bus;
    this.#now = now;
  }

  /**
   * A feed of the events of tasks matching `filter` (and `visible`, which callers use to keep a
   * feed to what its subscriber may see), from now on, until the consumer stops.
   */
  open(filter: TaskFilter, visible: (task: Task) => boolean = () => true): AsyncIterableIterator<TaskEventWithTask> {
    return new Repeater<TaskEventWithTask>(async (push, stop) => {
      const feed: Feed = { filter, visible, push, fail: (error) => stop(error) };
      this.#feeds.add(feed);
      if (!this.#unwatch) this.#watch();
      await stop;
      this.#feeds.delete(feed);
      if (this.#feeds.size === 0) {
        this.#unwatch?.();
        this.#unwatch = null;
        this.#order?.close();
        this.#order = null;
      }
    }, new FixedBuffer(FEED_BACKLOG));
  }

  /** Open feeds in this process. */
  get size(): number {
    return this.#feeds.size;
  }

  #watch(): void {
    // A task created a little before the watch began (another process's clock, or its CREATED
    // still on the way) is expected from version 1 too: at worst its next change waits once.
    const since = new Date(this.#now().getTime() - FEED_REORDER_HOLD_MS);
    const order = new TaskChangeOrder({ since, holdMs: FEED_REORDER_HOLD_MS, emit: (c) => this.#dispatch(c) });
    this.#order = order;
    this.#unwatch = this.#bus.watchAll({ onChange: (c) => order.accept(c), onResync: () => {} });
  }

  #dispatch(change: TaskChange): void {
    const now = this.#now();
    for (const feed of this.#feeds) {
      if (!feed.visible(change.task) || !matchesFilter(change.task, feed.filter, now)) continue;
      this.delivered++;
      feed.push(eventWithTask(change)).catch(() =>
        feed.fail(new Error(`the feed fell more than ${FEED_BACKLOG} events behind and was closed`)),
      );
    }
  }
}
