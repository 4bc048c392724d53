/**
 * The Redis event bus: every recorded change is published on the deployment's task-changes
 * channel (on a Redis Cluster, on the sharded channel of the task's shard, `src/redis/shards.ts`),
 * and each process holds one subscriber connection that fans messages out in memory to its
 * listeners. Redis pub/sub is only the doorbell: MongoDB stays the truth, and listeners fill any
 * gap (a message lost while Redis reconnected or failed over) from it — see `task-stream.ts`.
 */
import { BSON } from 'mongodb';
import { redisCall } from '../errors.ts';
import type { Task, TaskEvent, TaskEventWithTask } from '../model/task.ts';
import { decodeEvent, decodeTask, encodeEvent, encodeTask, type EncodedEvent, type EncodedTask } from '../model/task-codec.ts';
import type { PubSub } from '../redis/pubsub.ts';
import { allTaskChannels, taskChannel } from '../redis/shards.ts';

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
  readonly #pubsub: PubSub;
  readonly #channel: string;
  readonly #watchers = new Map<string, Set<Watcher>>();
  /** Watchers of every task (feeds, queue statistics). */
  readonly #allWatchers = new Set<Watcher>();

  /**
   * @param pubsub the process's pub/sub (its subscriber connection is shared with cancel requests)
   * @param prefix the deployment's Redis prefix
   */
  constructor(pubsub: PubSub, prefix: string) {
    this.#pubsub = pubsub;
    this.#channel = `${prefix}:task-changes`;
  }

  /**
   * Subscribe (on a cluster to every shard: feeds and queue statistics watch all tasks); resolves
   * once Redis has confirmed, so no change published after it is missed.
   */
  async start(): Promise<void> {
    // Subscriptions come back by themselves after a reconnect or failover; whatever was published
    // meanwhile is lost, so every watcher re-reads what it may have missed.
    this.#pubsub.onResubscribed(() => {
      for (const set of this.#watchers.values()) for (const w of set) w.onResync();
      for (const w of this.#allWatchers) w.onResync();
    });
    await this.#pubsub.subscribe(allTaskChannels(this.#channel, this.#pubsub.sharded), (_channel, message) => this.#dispatch(message));
  }

  /** Publish a change that is already recorded in MongoDB. */
  async publish(change: TaskChange): Promise<void> {
    const message = BSON.serialize({ task: encodeTask(change.task), event: encodeEvent(change.event) });
    const channel = taskChannel(this.#channel, change.task.id, this.#pubsub.sharded);
    await redisCall(this.#pubsub.publish(channel, Buffer.from(message.buffer, message.byteOffset, message.byteLength)));
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
