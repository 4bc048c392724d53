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
 * change has none. So the tasks that have been silent for a while are looked at again: one query
 * every period asks for the stored versions of all of them, and only a task whose stored version
 * is ahead of what the bus announced is read. (A read per silent task per period instead costs a
 * process watching thousands of long-queued tasks hundreds of reads a second, which on
 * FerretDB 1.24, where every read scans the collection (docs/mongodb-compatibility.md), leaves no
 * time for the writes that move tasks on.)
 *
 * The streams of one task in one process share that work, so that a thousand subscribers of a
 * task cost about what one does: one bus watcher and their reads. (Streams that name the task
 * with different owners share nothing: a caller naming another owner's task must find nothing,
 * and the read that shows it so must not answer the task's owner too.) A stream that needs a read
 * joins the task's next read if it has not started yet — it then starts after the stream began
 * watching, which is all the order above asks — and at most one read of a task runs at a time,
 * so subscribers arriving together while one runs share the one after it.
 */
import { Repeater } from 'graphql-yoga';
import { TaskNotFoundError } from '../errors.ts';
import type { Task, TaskChange, TaskEvent, TaskRef } from '../model/task.ts';
import type { EventBus } from './event-bus.ts';

/** A task's record as a read finds it: the task, and (when asked for) its events in version order. */
export interface TaskRecord {
  task: Task;
  events: TaskEvent[];
}

/**
 * Where streams read tasks' records (the store, as streams need it). A task is named with the
 * owner its streams' callers gave, or, when they gave none (an admin's), once a read or a change
 * has shown it; before that by id alone.
 */
export interface TaskRecords {
  /** The record of the task `ref` names, with its events or without; null when there is no such task. */
  read(ref: TaskRef, withEvents: boolean): Promise<TaskRecord | null>;
  /** The stored version of each task of `refs` that exists, by id. */
  versions(refs: readonly TaskRef[]): Promise<Map<string, number>>;
}

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
  /** Whether the task is final as of this item (the stream then ends, whether it delivers the item or not). */
  isFinal(item: T): boolean;
}

/**
 * How often the versions of silent watched tasks are looked at: a task that heard nothing for a
 * whole period is checked at the end of the next, so a subscriber waits about two periods for a
 * change that was recorded but never published (longer while checks are slow: see below). One
 * query per period for all silent tasks.
 */
export const IDLE_CATCH_UP_MS = 2_500;

/**
 * The share of the time silence checks may take: after a check that took d ms, the next one waits
 * at least d / share. On MongoDB a check is one indexed query and the period stays as set; on a
 * server that answers it by scanning every task (FerretDB 1.24), checks space out instead of eating
 * the time the writes need.
 */
const SILENCE_CHECK_SHARE = 0.1;

/** One stream's inbox: the changes heard since it last looked, and whether to read the record instead. */
interface Inbox {
  changes: TaskChange[];
  resync: boolean;
  wake: (() => void) | null;
}

/** A read not started yet, which callers may still join. */
interface PendingRead {
  withEvents: boolean;
  /** The streams that take their catch-up from this read. */
  joined: Set<Inbox>;
  start: () => void;
  result: Promise<TaskRecord | null>;
}

/** What the streams of one task share. */
interface TaskWatch {
  inboxes: Set<Inbox>;
  unwatch: () => void;
  /**
   * The newest version every stream has been given or will be: announced on the bus (each stream
   * has it in its inbox or reads past it), or found by a read that all of them take. A stored
   * version beyond it may have been recorded without being published.
   */
  known: number;
  /** Whether the bus announced a change (or the watch began) since the last silence check. */
  heard: boolean;
  /** The task as its reads name it: with the owner its callers gave, or that a read or change showed. */
  ref: TaskRef;
  next: PendingRead | null;
  reading: boolean;
}

/** What the streams of one task, named with one owner (or none), share a watch under. */
function watchKey(ref: TaskRef): string {
  return JSON.stringify([ref.id, ref.owner]);
}

function signal(inbox: Inbox): void {
  inbox.wake?.();
  inbox.wake = null;
}

/** Mark every stream of `watch` for a read of the record. */
function resync(watch: TaskWatch): void {
  for (const inbox of watch.inboxes) {
    inbox.resync = true;
    signal(inbox);
  }
}

/** Ordered streams of tasks' changes for one process. */
export class TaskStreams {
  readonly #bus: EventBus;
  readonly #records: TaskRecords;
  readonly #idleCatchUpMs: number;
  readonly #watches = new Map<string, TaskWatch>();
  /** The next silence check, pending while any task is watched and no check runs. */
  #silenceTimer: NodeJS.Timeout | null = null;
  #checkingSilence = false;
  /** Reads of the record started since start (for tests and metrics). */
  reads = 0;

  constructor(bus: EventBus, records: TaskRecords, idleCatchUpMs = IDLE_CATCH_UP_MS) {
    this.#bus = bus;
    this.#records = records;
    this.#idleCatchUpMs = idleCatchUpMs;
  }

  /**
   * A stream of the task `ref` names after `afterVersion`. Resolves once the first read is done,
   * so an unknown task (or one of another owner than `ref.owner`) fails here (TaskNotFoundError)
   * rather than in the first `next()`.
   */
  async open<T>(ref: TaskRef, afterVersion: number, source: StreamSource<T>): Promise<AsyncIterableIterator<T>> {
    const taskId = ref.id;
    const key = watchKey(ref);
    const watch = this.#watch(key, ref);
    const inbox: Inbox = { changes: [], resync: false, wake: null };
    watch.inboxes.add(inbox);
    const leave = () => this.#leave(key, watch, inbox);

    let record: TaskRecord | null;
    let initial: CatchUp<T> | null;
    try {
      record = await this.#readFor(watch, inbox, source.events);
      initial = record && source.fromRecord(record, afterVersion);
    } catch (error) {
      leave();
      throw error;
    }
    if (!record || !initial) {
      leave();
      throw new TaskNotFoundError(taskId);
    }
    const first = initial;
    const firstVersion = record.task.version;

    return new Repeater<T>(async (push, stop) => {
      /** The newest version delivered, or not asked for (`afterVersion`). */
      let last = afterVersion;
      /** The newest version of the task this stream has heard of, from the record or the bus. */
      let newest = 0;
      let done = false;
      void stop.then(() => {
        done = true;
        signal(inbox);
      });

      /**
       * Take the task as of `version` (final or not) with the items up to it: deliver those after
       * `last`, and end when the task is final. The end does not depend on delivering anything:
       * a stream asked for versions beyond the final one ends there too. What is older than the
       * newest version heard of (a duplicate, or a message that arrived late) decides nothing.
       */
      const take = async (items: T[], version: number, final: boolean) => {
        for (const item of items) {
          if (source.version(item) <= last) continue;
          await push(item);
          last = source.version(item);
        }
        if (version < newest) return;
        newest = version;
        if (final) done = true;
      };

      try {
        await take(first.items, firstVersion, first.final);
        while (!done) {
          if (inbox.changes.length === 0 && !inbox.resync) {
            await new Promise<void>((resolve) => (inbox.wake = resolve));
            continue;
          }
          const change = inbox.changes.shift();
          const item = change && source.fromChange(change);
          if (!inbox.resync && item !== undefined && source.version(item) <= last + 1) {
            await take([item], source.version(item), source.isFinal(item));
          } else {
            // A gap, a reconnect or silence: the record decides. The read starts after what
            // prompted it arrived, so it covers it.
            inbox.resync = false;
            const record = await this.#readFor(watch, inbox, source.events);
            const caught = record && source.fromRecord(record, last);
            if (!record || !caught) break; // deleted while watched: nothing more will come
            await take(caught.items, record.task.version, caught.final);
          }
        }
      } finally {
        leave();
        stop();
      }
    });
  }

  #watch(key: string, ref: TaskRef): TaskWatch {
    const existing = this.#watches.get(key);
    if (existing) return existing;
    const watch: TaskWatch = {
      inboxes: new Set(),
      known: 0,
      heard: true,
      ref: { ...ref },
      next: null,
      reading: false,
      unwatch: this.#bus.watch(ref.id, {
        onChange: (change) => {
          watch.heard = true;
          watch.ref.owner ??= change.task.owner;
          watch.known = Math.max(watch.known, change.task.version);
          for (const inbox of watch.inboxes) {
            inbox.changes.push(change);
            signal(inbox);
          }
        },
        onResync: () => resync(watch),
      }),
    };
    this.#watches.set(key, watch);
    if (!this.#silenceTimer && !this.#checkingSilence) this.#scheduleSilenceCheck(this.#idleCatchUpMs);
    return watch;
  }

  #leave(key: string, watch: TaskWatch, inbox: Inbox): void {
    watch.inboxes.delete(inbox);
    if (watch.inboxes.size > 0) return;
    watch.unwatch();
    if (this.#watches.get(key) === watch) this.#watches.delete(key);
    if (this.#watches.size === 0 && this.#silenceTimer) {
      clearTimeout(this.#silenceTimer);
      this.#silenceTimer = null;
    }
  }

  #scheduleSilenceCheck(delayMs: number): void {
    this.#silenceTimer = setTimeout(() => {
      this.#silenceTimer = null;
      this.#checkingSilence = true;
      const started = performance.now();
      void this.#checkSilence().finally(() => {
        this.#checkingSilence = false;
        const tookMs = performance.now() - started;
        if (this.#watches.size > 0) this.#scheduleSilenceCheck(Math.max(this.#idleCatchUpMs, tookMs / SILENCE_CHECK_SHARE));
      });
    }, delayMs).unref();
  }

  /**
   * Look at the tasks that heard nothing for a whole period: one query for their stored versions,
   * and a read for the streams of each task that is ahead of what they know (or gone).
   */
  async #checkSilence(): Promise<void> {
    const silent: [string, TaskWatch][] = [];
    for (const entry of this.#watches) {
      if (!entry[1].heard) silent.push(entry);
      entry[1].heard = false;
    }
    if (silent.length === 0) return;
    try {
      const versions = await this.#records.versions(silent.map(([, watch]) => watch.ref));
      for (const [key, watch] of silent) {
        const stored = versions.get(watch.ref.id);
        if (this.#watches.get(key) !== watch || (stored !== undefined && stored <= watch.known)) continue;
        // Every stream reads after this, so each will have been given the stored version.
        if (stored !== undefined) watch.known = stored;
        resync(watch);
      }
    } catch {
      // The server is unreachable: the same tasks are still silent at the next check.
    }
  }

  /**
   * A read of `watch`'s task's record that starts after this call: the task's next read, joined
   * if it has not started, else a new one that starts once the running one (if any) has ended.
   */
  #readFor(watch: TaskWatch, inbox: Inbox, withEvents: boolean): Promise<TaskRecord | null> {
    if (watch.next) {
      watch.next.withEvents ||= withEvents;
      watch.next.joined.add(inbox);
      return watch.next.result;
    }
    let start = () => {};
    const started = new Promise<void>((resolve) => (start = resolve));
    const pending: PendingRead = {
      withEvents,
      joined: new Set([inbox]),
      start,
      result: started.then(async () => {
        watch.next = null;
        watch.reading = true;
        this.reads++;
        try {
          const record = await this.#records.read({ ...watch.ref }, pending.withEvents);
          if (record) watch.ref.owner ??= record.task.owner;
          // Taken by every stream of the task: none of them is behind what it found.
          if (record && [...watch.inboxes].every((other) => pending.joined.has(other))) {
            watch.known = Math.max(watch.known, record.task.version);
          }
          return record;
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

  /** A read of `watch`'s task ended: the read callers queued meanwhile starts. */
  #readDone(watch: TaskWatch): void {
    watch.reading = false;
    if (watch.next) setImmediate(watch.next.start);
  }
}
