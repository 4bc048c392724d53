/**
 * One task's changes as an ordered stream, with the contract's guarantees: in version order, no
 * duplicates, no gaps, completing after the final state.
 *
 * The order of operations is what makes it safe: watch the bus first, then read MongoDB, then
 * drop what the read already covered. A change published between the two is then either in the
 * read or in the buffer — never in neither. Anything that arrives out of order or after a gap
 * (several writers publish on their own connections; Redis drops messages while it reconnects)
 * is not trusted: the stream catches up from MongoDB, which is the record.
 *
 * A change whose publish never happened (its writer died between the MongoDB write and the
 * publish, or Redis failed just then) announces no gap until the task's next change — and a final
 * change has none. So a stream that has heard nothing for a while also catches up.
 */
import { Repeater } from 'graphql-yoga';
import { TaskNotFoundError } from '../errors.ts';
import type { EventBus, TaskChange } from './event-bus.ts';

/** What the stream has not delivered yet, read from the record. */
export interface CatchUp<T> {
  /** Items after the requested version, in version order. */
  items: T[];
  /** Whether the task is in a final state (nothing more will be recorded). */
  final: boolean;
}

/** How one kind of stream reads the record and reads a live change. */
export interface StreamSource<T> {
  /** Items after version `after`; null when the task does not exist. */
  catchUp(after: number): Promise<CatchUp<T> | null>;
  /** The item a live change carries. */
  fromChange(change: TaskChange): T;
  version(item: T): number;
  /** Whether the stream ends after this item. */
  isFinal(item: T): boolean;
}

/**
 * How long a stream waits without any message before it reads the record anyway: the longest a
 * subscriber waits for a change that was recorded but never published. Each idle stream costs one
 * MongoDB read per period.
 */
export const IDLE_CATCH_UP_MS = 5_000;

/**
 * Open a stream of `taskId` after `afterVersion`. Resolves once the first read is done, so an
 * unknown task fails here (TaskNotFoundError) rather than in the first `next()`.
 */
export async function openTaskStream<T>(
  bus: EventBus,
  taskId: string,
  afterVersion: number,
  source: StreamSource<T>,
  idleCatchUpMs = IDLE_CATCH_UP_MS,
): Promise<AsyncIterableIterator<T>> {
  const live: TaskChange[] = [];
  let wake: (() => void) | null = null;
  let resync = false;
  const signal = () => {
    wake?.();
    wake = null;
  };
  const unwatch = bus.watch(taskId, {
    onChange: (change) => {
      live.push(change);
      signal();
    },
    onResync: () => {
      resync = true;
      signal();
    },
  });

  let first: CatchUp<T> | null;
  try {
    first = await source.catchUp(afterVersion);
  } catch (error) {
    unwatch();
    throw error;
  }
  if (!first) {
    unwatch();
    throw new TaskNotFoundError(taskId);
  }
  const initial = first;

  return new Repeater<T>(async (push, stop) => {
    let last = afterVersion;
    let done = false;
    void stop.then(() => {
      done = true;
      signal();
    });

    const deliver = async (items: T[], final: boolean) => {
      for (const item of items) {
        if (source.version(item) <= last) continue;
        await push(item);
        last = source.version(item);
        if (source.isFinal(item)) done = true;
      }
      if (final && items.length === 0) done = true;
    };

    try {
      await deliver(initial.items, initial.final);
      while (!done) {
        if (live.length === 0 && !resync) {
          const idle = setTimeout(() => {
            resync = true;
            signal();
          }, idleCatchUpMs);
          await new Promise<void>((resolve) => (wake = resolve));
          clearTimeout(idle);
          continue;
        }
        const change = live.shift();
        const item = change && source.fromChange(change);
        if (!resync && item !== undefined && source.version(item) <= last + 1) {
          await deliver([item], false);
        } else {
          resync = false;
          const caught = await source.catchUp(last);
          if (!caught) break; // deleted while watched: nothing more will come
          await deliver(caught.items, caught.final);
        }
      }
    } finally {
      unwatch();
      stop();
    }
  });
}
