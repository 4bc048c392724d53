/**
 * The Redis event bus: every recorded change is published on one channel per deployment, and
 * each process holds one subscriber connection that fans messages out in memory to its
 * listeners. Redis pub/sub is only the doorbell: MongoDB stays the truth, and listeners fill any
 * gap (a message lost while Redis reconnected) from it — see `task-stream.ts`.
 */
import { BSON } from 'mongodb';
import type { RedisConnection } from '../redis/connections.ts';
import { redisCall } from '../errors.ts';
import type { Task, TaskEvent, TaskEventWithTask } from '../model/task.ts';
import { decodeEvent, decodeTask, encodeEvent, encodeTask, type EncodedEvent, type EncodedTask } from '../model/task-codec.ts';

/** One recorded change: the event and the task right after it. */
export interface TaskChange {
  task: Task;
  event: TaskEvent;
}

const eventsWithTask = new WeakMap<TaskChange, TaskEventWithTask>();

/** The change as its event with the task: one object per change, however many feeds and streams send it. */
export function eventWithTask(change: TaskChange): TaskEventWithTask {
  let event = eventsWithTask.get(change);
  if (!event) eventsWithTask.set(change, (event = { ...change.event, task: change.task }));
  return event;
}

/** Called for each change of a watched task, in the order messages arrive. */
export type ChangeListener = (change: TaskChange) => void;

/** Listeners of one watcher: its changes, and a call after the bus reconnected (messages may be lost). */
export interface Watcher {
  onChange: ChangeListener;
  onResync: () => void;
}

export class EventBus {
  readonly #publisher: RedisConnection;
  readonly #subscriber: RedisConnection;
  readonly #channel: string;
  readonly #watchers = new Map<string, Set<Watcher>>();
  /** Watchers of every task (feeds, queue statistics). */
  readonly #allWatchers = new Set<Watcher>();
  #subscribed = false;

  /**
   * @param publisher a connection for PUBLISH (may be shared with other commands)
   * @param subscriber a connection of its own: once it subscribes it can do nothing else
   * @param prefix the deployment's Redis prefix
   */
  constructor(publisher: RedisConnection, subscriber: RedisConnection, prefix: string) {
    this.#publisher = publisher;
    this.#subscriber = subscriber;
    this.#channel = `${prefix}:task-changes`;
  }

  /** Subscribe; resolves once Redis has confirmed, so no change published after it is missed. */
  async start(): Promise<void> {
    this.#subscriber.on('messageBuffer', (channel: Buffer, message: Buffer) => {
      if (channel.toString() === this.#channel) this.#dispatch(message);
    });
    // ioredis resubscribes by itself after a reconnect; whatever was published meanwhile is lost,
    // so every watcher re-reads what it may have missed.
    this.#subscriber.on('ready', () => {
      if (!this.#subscribed) return;
      for (const set of this.#watchers.values()) for (const w of set) w.onResync();
      for (const w of this.#allWatchers) w.onResync();
    });
    await this.#subscriber.subscribe(this.#channel);
    this.#subscribed = true;
  }

  /** Publish a change that is already recorded in MongoDB. */
  async publish(change: TaskChange): Promise<void> {
    const message = BSON.serialize({ task: encodeTask(change.task), event: encodeEvent(change.event) });
    await redisCall(this.#publisher.publish(this.#channel, Buffer.from(message.buffer, message.byteOffset, message.byteLength)));
  }

  /** Watch one task's changes until the returned function is called. */
  watch(taskId: string, watcher: Watcher): () => void {
    let set = this.#watchers.get(taskId);
    if (!set) this.#watchers.set(taskId, (set = new Set()));
    set.add(watcher);
    return () => {
      set.delete(watcher);
      if (set.size === 0 && this.#watchers.get(taskId) === set) this.#watchers.delete(taskId);
    };
  }

  /** Watch every task's changes until the returned function is called. */
  watchAll(watcher: Watcher): () => void {
    this.#allWatchers.add(watcher);
    return () => this.#allWatchers.delete(watcher);
  }

  /** How many tasks have watchers in this process (for tests and metrics). */
  get watchedTasks(): number {
    return this.#watchers.size;
  }

  #dispatch(message: Buffer): void {
    const { task, event } = BSON.deserialize(message) as { task: EncodedTask; event: EncodedEvent };
    const set = this.#watchers.get(task.id);
    if (!set && this.#allWatchers.size === 0) return; // nobody here cares: skip decoding
    const change = { task: decodeTask(task), event: decodeEvent(event) };
    for (const watcher of set ?? []) watcher.onChange(change);
    for (const watcher of this.#allWatchers) watcher.onChange(change);
  }
}
