/**
 * The Redis event bus: every recorded change is published on the deployment's task-changes
 * channel (on a Redis Cluster, on the sharded channel of the task's shard, `src/redis/shards.ts`),
 * and each process holds one subscriber connection that fans messages out in memory to its
 * listeners. Redis pub/sub is only the doorbell: MongoDB stays the truth, and listeners fill any
 * gap (a message lost while Redis reconnected or failed over) from it — see `task-stream.ts`.
 * A message's change is decoded only in a process that watches its task or all tasks; listeners
 * of summaries (`change-message.ts`) read only its first line.
 */
import { redisCall } from '../errors.ts';
import { withTask, type TaskChange, type TaskEventWithTask } from '../model/task.ts';
import type { PubSub } from '../redis/pubsub.ts';
import { encodeChangeMessage, readChangeMessage, type ChangeMessage, type ChangeSummary } from './change-message.ts';
import { allTaskChannels, taskChannel } from '../redis/shards.ts';

const eventsWithTask = new WeakMap<TaskChange, TaskEventWithTask>();

/** The change as its event with the task: one object per change, however many feeds and streams send it. */
export function eventWithTask(change: TaskChange): TaskEventWithTask {
  let event = eventsWithTask.get(change);
  if (!event) eventsWithTask.set(change, (event = withTask(change.event, change.task)));
  return event;
}

/** Called for each change of a watched task, in the order messages arrive. */
export type ChangeListener = (change: TaskChange) => void;

/** Listeners of one watcher: its changes, and a call after the bus reconnected (messages may be lost). */
export interface Watcher {
  onChange: ChangeListener;
  onResync: () => void;
}

/** Listeners of the summaries of every task's changes, and a call after the bus reconnected. */
export interface SummaryWatcher {
  onSummary: (summary: ChangeSummary) => void;
  onResync: () => void;
}

export class EventBus {
  readonly #pubsub: PubSub;
  readonly #channel: string;
  readonly #watchers = new Map<string, Set<Watcher>>();
  /** Watchers of every task (feeds, queue statistics). */
  readonly #allWatchers = new Set<Watcher>();
  /** Watchers of every task's summaries (metrics, queue statistics). */
  readonly #summaryWatchers = new Set<SummaryWatcher>();

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
      for (const w of this.#summaryWatchers) w.onResync();
    });
    await this.#pubsub.subscribe(allTaskChannels(this.#channel, this.#pubsub.sharded), (_channel, message) => this.#dispatch(message));
  }

  /** Publish a change that is already recorded in MongoDB. */
  async publish(change: TaskChange): Promise<void> {
    const channel = taskChannel(this.#channel, change.task.id, this.#pubsub.sharded);
    await redisCall(this.#pubsub.publish(channel, encodeChangeMessage(change)));
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

  /** Watch the summaries of every task's changes until the returned function is called. */
  watchSummaries(watcher: SummaryWatcher): () => void {
    this.#summaryWatchers.add(watcher);
    return () => this.#summaryWatchers.delete(watcher);
  }

  /** How many tasks have watchers in this process (for tests and metrics). */
  get watchedTasks(): number {
    return this.#watchers.size;
  }

  #dispatch(buffer: Buffer): void {
    let message: ChangeMessage;
    try {
      message = readChangeMessage(buffer);
    } catch {
      // Not a message this version reads (another version publishing): as if it were lost, which
      // watchers recover from (the next change shows the gap; silence checks find a final one).
      return;
    }
    for (const watcher of this.#summaryWatchers) watcher.onSummary(message.summary);
    const set = this.#watchers.get(message.summary.taskId);
    if (!set && this.#allWatchers.size === 0) return; // nobody here needs the change: skip decoding it
    const change = message.change();
    for (const watcher of set ?? []) watcher.onChange(change);
    for (const watcher of this.#allWatchers) watcher.onChange(change);
  }
}
