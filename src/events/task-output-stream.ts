/**
 * One task's log, or one of its output streams, as an ordered subscription: the entries after
 * `after` from MongoDB, then live ones from the task's channel, in sequence order with no gaps
 * or duplicates, completing after the task's final state once everything before it was given.
 *
 * The order of operations is what makes it safe, as for task events (`task-stream.ts`): watch
 * the channel first, then read MongoDB, then skip what the read covered. A live batch that does
 * not follow on from the last entry given (one was lost, or arrived late), and every reconnect of
 * the channel, sends the stream back to MongoDB for what it lacks. The task's final state comes
 * through the task's own gap-free stream; since its writer flushes every batch before recording
 * that state, one read after seeing it finds everything there is.
 */
import { Repeater } from 'graphql-yoga';
import type { OutputBatch, TaskOutputBus } from './task-output-bus.ts';

/** How one kind of entry (log lines, or one stream's chunks) is read and heard. */
export interface SequenceSource<T> {
  /** The stored entries after `after`, in sequence order. */
  read(after: number): Promise<T[]>;
  /** The entries of a live batch, or null when the batch is not of this sequence. */
  fromBatch(batch: OutputBatch): T[] | null;
  seq(entry: T): number;
}

/**
 * A subscription to `taskId`'s entries after `after`.
 *
 * @param finalStates the task's gap-free state stream, yielding whether each state is final;
 *   opening it rejects when the caller may not see the task, which then rejects this too
 */
export async function openSequenceStream<T>(
  bus: TaskOutputBus,
  taskId: string,
  after: number,
  finalStates: () => Promise<AsyncIterableIterator<boolean>>,
  source: SequenceSource<T>,
): Promise<AsyncIterableIterator<T>> {
  const inbox: { batches: T[][]; resync: boolean; final: boolean; wake: (() => void) | null } = { batches: [], resync: false, final: false, wake: null };
  const wake = () => {
    inbox.wake?.();
    inbox.wake = null;
  };
  const unwatch = await bus.watch(taskId, {
    onBatch: (batch) => {
      const entries = source.fromBatch(batch);
      if (!entries) return;
      inbox.batches.push(entries);
      wake();
    },
    onResync: () => {
      inbox.resync = true;
      wake();
    },
  });
  let states: AsyncIterableIterator<boolean>;
  try {
    states = await finalStates();
  } catch (error) {
    unwatch();
    throw error;
  }
  // Heard in the background: the end of the task's story, however it ends (a deleted task too).
  void (async () => {
    try {
      for await (const final of states) if (final) break;
    } finally {
      inbox.final = true;
      wake();
    }
  })().catch(() => {});

  return new Repeater<T>(async (push, stop) => {
    let last = after;
    let done = false;
    void stop.then(() => {
      done = true;
      wake();
    });
    const give = async (entries: readonly T[]) => {
      for (const entry of entries) {
        if (done) return;
        if (source.seq(entry) <= last) continue;
        await push(entry);
        last = source.seq(entry);
      }
    };
    try {
      let final = inbox.final;
      await give(await source.read(last));
      while (!done && !final) {
        if (inbox.batches.length === 0 && !inbox.resync && !inbox.final) {
          await new Promise<void>((resolve) => (inbox.wake = resolve));
          continue;
        }
        const batch = inbox.batches.shift();
        const next = batch?.find((entry) => source.seq(entry) > last);
        if (batch && !inbox.resync && !inbox.final && (next === undefined || source.seq(next) === last + 1)) {
          await give(batch);
          continue;
        }
        // A gap, a reconnect or the end: the record decides. Read after what prompted it arrived,
        // so it covers it (and, after the final state, everything).
        final = inbox.final;
        inbox.resync = false;
        inbox.batches.length = 0;
        await give(await source.read(last));
      }
    } finally {
      unwatch();
      await states.return?.();
      stop();
    }
  });
}
