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
 * change has none. So a task that has been silent for a while is read again.
 *
 * The streams of one task in one process share that work, so that a thousand subscribers of a
 * task cost about what one does: one bus watcher, one silence timer, and their reads. A stream
 * that needs a read joins the task's next read if it has not started yet — it then starts after
 * the stream began watching, which is all the order above asks — and at most one read of a task
 * runs at a time, so subscribers arriving together while one runs share the one after it.
 */
import { Repeater } from 'graphql-yoga';
import { TaskNotFoundError } from '../errors.ts';
import type { Task, TaskEvent } from '../model/task.ts';
import type { EventBus, TaskChange } from './event-bus.ts';

/** A task's record as a read finds it: the task, and (when asked for) its events in version order. */
export interface TaskRecord {
  task: Task;
  events: TaskEvent[];
}

/** Reads task `taskId`'s record, with its events or without; null when there is no such task. */
export type ReadTask = (taskId: string, withEvents: boolean) => Promise<TaskRecord | null>;

/** What the stream has not delivered yet, taken from the record. */
export interface CatchUp<T> {
  /** Items after the requested version, in version order. */
  items: T[];
  /** Whether the task is in a final state (nothing more will be recorded). */
  final: boolean;
}

/** How one kind of stream reads the record and a live change. */
export interface StreamSource<T> {
  /** Whether its reads need the task's events (or only the task). */
  events: boolean;
  /** The items after version `after` in `record`; null when this stream's caller may not see the task. */
  fromRecord(record: TaskRecord, after: number): CatchUp<T> | null;
  /** The item a live change carries. */
  fromChange(change: TaskChange): T;
  version(item: T): number;
  /** Whether the stream ends after this item. */
  isFinal(item: T): boolean;
}

/**
 * How long a watched task may be silent before it is read again anyway: the longest a subscriber
 * waits for a change that was recorded but never published. One read per silent watched task per
 * period, however many streams watch it.
 */
export const IDLE_CATCH_UP_MS = 5_000;

/** One stream's inbox: the changes heard since it last looked, and whether to read the record instead. */
interface Inbox {
  changes: TaskChange[];
  resync: boolean;
  wake: (() => void) | null;
}

/** A read not started yet, which callers may still join. */
interface PendingRead {
  withEvents: boolean;
  start: () => void;
  result: Promise<TaskRecord | null>;
}

/** What the streams of one task share. */
interface TaskWatch {
  inboxes: Set<Inbox>;
  unwatch: () => void;
  /** Marks every stream for a read once the task has been silent for the idle period. */
  silence: NodeJS.Timeout;
  next: PendingRead | null;
  reading: boolean;
}

function signal(inbox: Inbox): void {
  inbox.wake?.();
  inbox.wake = null;
}

/** Ordered streams of tasks' changes for one process. */
export class TaskStreams {
  readonly #bus: EventBus;
  readonly #read: ReadTask;
  readonly #idleCatchUpMs: number;
  readonly #watches = new Map<string, TaskWatch>();
  /** Reads of the record started since start (for tests and metrics). */
  reads = 0;

  constructor(bus: EventBus, read: ReadTask, idleCatchUpMs = IDLE_CATCH_UP_MS) {
    this.#bus = bus;
    this.#read = read;
    this.#idleCatchUpMs = idleCatchUpMs;
  }

  /**
   * A stream of `taskId` after `afterVersion`. Resolves once the first read is done, so an
   * unknown task fails here (TaskNotFoundError) rather than in the first `next()`.
   */
  async open<T>(taskId: string, afterVersion: number, source: StreamSource<T>): Promise<AsyncIterableIterator<T>> {
    const watch = this.#watch(taskId);
    const inbox: Inbox = { changes: [], resync: false, wake: null };
    watch.inboxes.add(inbox);
    const leave = () => this.#leave(taskId, watch, inbox);

    let initial: CatchUp<T> | null;
    try {
      const record = await this.#readFor(taskId, watch, source.events);
      initial = record && source.fromRecord(record, afterVersion);
    } catch (error) {
      leave();
      throw error;
    }
    if (!initial) {
      leave();
      throw new TaskNotFoundError(taskId);
    }
    const first = initial;

    return new Repeater<T>(async (push, stop) => {
      let last = afterVersion;
      let done = false;
      void stop.then(() => {
        done = true;
        signal(inbox);
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
        await deliver(first.items, first.final);
        while (!done) {
          if (inbox.changes.length === 0 && !inbox.resync) {
            await new Promise<void>((resolve) => (inbox.wake = resolve));
            continue;
          }
          const change = inbox.changes.shift();
          const item = change && source.fromChange(change);
          if (!inbox.resync && item !== undefined && source.version(item) <= last + 1) {
            await deliver([item], false);
          } else {
            // A gap, a reconnect or silence: the record decides. The read starts after what
            // prompted it arrived, so it covers it.
            inbox.resync = false;
            const record = await this.#readFor(taskId, watch, source.events);
            const caught = record && source.fromRecord(record, last);
            if (!caught) break; // deleted while watched: nothing more will come
            await deliver(caught.items, caught.final);
          }
        }
      } finally {
        leave();
        stop();
      }
    });
  }

  #watch(taskId: string): TaskWatch {
    const existing = this.#watches.get(taskId);
    if (existing) return existing;
    const inboxes = new Set<Inbox>();
    const resyncAll = () => {
      for (const inbox of inboxes) {
        inbox.resync = true;
        signal(inbox);
      }
    };
    const watch: TaskWatch = {
      inboxes,
      // Re-armed by every message and read: it fires only after a whole period of silence.
      silence: setInterval(resyncAll, this.#idleCatchUpMs),
      next: null,
      reading: false,
      unwatch: this.#bus.watch(taskId, {
        onChange: (change) => {
          watch.silence.refresh();
          for (const inbox of inboxes) {
            inbox.changes.push(change);
            signal(inbox);
          }
        },
        onResync: resyncAll,
      }),
    };
    this.#watches.set(taskId, watch);
    return watch;
  }

  #leave(taskId: string, watch: TaskWatch, inbox: Inbox): void {
    watch.inboxes.delete(inbox);
    if (watch.inboxes.size > 0) return;
    watch.unwatch();
    clearInterval(watch.silence);
    if (this.#watches.get(taskId) === watch) this.#watches.delete(taskId);
  }

  /**
   * A read of `taskId`'s record that starts after this call: the task's next read, joined if it
   * has not started, else a new one that starts once the running one (if any) has ended.
   */
  #readFor(taskId: string, watch: TaskWatch, withEvents: boolean): Promise<TaskRecord | null> {
    if (watch.next) {
      watch.next.withEvents ||= withEvents;
      return watch.next.result;
    }
    let start = () => {};
    const started = new Promise<void>((resolve) => (start = resolve));
    const pending: PendingRead = {
      withEvents,
      start,
      result: started.then(async () => {
        watch.next = null;
        watch.reading = true;
        this.reads++;
        try {
          return await this.#read(taskId, pending.withEvents);
        } finally {
          this.#readDone(watch);
        }
      }),
    };
    watch.next = pending;
    // Callers in this turn of the event loop join it; a running read goes first.
    if (!watch.reading) setImmediate(start);
    return pending.result;
  }

  /** A read of `watch`'s task ended: its silence starts now, and the read callers queued meanwhile starts. */
  #readDone(watch: TaskWatch): void {
    watch.reading = false;
    watch.silence.refresh();
    if (watch.next) setImmediate(watch.next.start);
  }
}
