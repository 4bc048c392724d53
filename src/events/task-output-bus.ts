/**
 * Log and output batches over Redis pub/sub, one channel per task (`taskOutputChannel`), so a
 * process hears only the tasks it serves. On a Redis Cluster the channels are sharded
 * (SPUBLISH/SSUBSCRIBE through `PubSub`), each in its task's slot, so the cluster's masters share
 * the traffic instead of every node copying every batch. As with the event bus (`event-bus.ts`), Redis is only the doorbell: a batch is
 * published after it is in MongoDB, and a watcher that may have missed one (a gap in the
 * sequence, or the connection came back) reads the rest from there (`task-output-stream.ts`).
 */
import { redisCall } from '../errors.ts';
import type { TaskLogLine, TaskOutputChunk } from '../model/task-output.ts';
import type { PubSub } from '../redis/pubsub.ts';

/** One flushed batch: consecutive log lines of a task, or consecutive chunks of one of its streams. */
export type OutputBatch =
  | { taskId: string; kind: 'log'; entries: TaskLogLine[] }
  | { taskId: string; kind: 'output'; stream: string; entries: TaskOutputChunk[] };

/** A watcher of one task's batches: each batch as it arrives, and a call after the connection came back. */
export interface OutputWatcher {
  onBatch: (batch: OutputBatch) => void;
  onResync: () => void;
}

/**
 * The channel of `taskId`'s batches. The task id is the Redis Cluster hash tag (`{…}`), so the
 * channel can be routed to the shard of its task; every use of the name goes through here.
 */
export function taskOutputChannel(prefix: string, taskId: string): string {
  return `${prefix}:task-output:{${taskId}}`;
}

/** A batch as sent: dates as milliseconds. */
type WireBatch = Omit<OutputBatch, 'entries'> & { entries: (Omit<TaskLogLine | TaskOutputChunk, 'at'> & { at: number })[] };

/** One task's watchers in this process, and its channel's subscription. */
interface TaskChannel {
  watchers: Set<OutputWatcher>;
  subscribed: Promise<unknown>;
}

export class TaskOutputBus {
  readonly #pubsub: PubSub;
  readonly #prefix: string;
  readonly #channels = new Map<string, TaskChannel>();
  #listening = false;

  /**
   * @param pubsub the process's pub/sub (its subscriber connection is shared with the event bus)
   * @param prefix the deployment's Redis prefix
   */
  constructor(pubsub: PubSub, prefix: string) {
    this.#pubsub = pubsub;
    this.#prefix = prefix;
  }

  /** Publish a batch that is already in MongoDB. */
  async publish(batch: OutputBatch): Promise<void> {
    const wire = { ...batch, entries: batch.entries.map((entry) => ({ ...entry, at: entry.at.getTime() })) };
    await redisCall(this.#pubsub.publish(taskOutputChannel(this.#prefix, batch.taskId), JSON.stringify(wire)));
  }

  /**
   * Watch `taskId`'s batches until the returned function is called. Resolves once Redis has
   * confirmed the subscription, so no batch published after that is missed.
   */
  async watch(taskId: string, watcher: OutputWatcher): Promise<() => void> {
    this.#listen();
    let channel = this.#channels.get(taskId);
    if (!channel) {
      channel = { watchers: new Set(), subscribed: this.#pubsub.join(taskOutputChannel(this.#prefix, taskId)) };
      this.#channels.set(taskId, channel);
    }
    const entry = channel;
    entry.watchers.add(watcher);
    const unwatch = () => {
      if (!entry.watchers.delete(watcher) || entry.watchers.size > 0) return;
      if (this.#channels.get(taskId) === entry) this.#channels.delete(taskId);
      // Commands on one connection run in order: a later watch's subscription follows this.
      this.#pubsub.leave(taskOutputChannel(this.#prefix, taskId)).catch(() => {});
    };
    try {
      await redisCall(entry.subscribed);
    } catch (error) {
      unwatch();
      throw error;
    }
    return unwatch;
  }

  /** How many tasks have watchers in this process (for tests and metrics). */
  get watchedTasks(): number {
    return this.#channels.size;
  }

  #listen(): void {
    if (this.#listening) return;
    this.#listening = true;
    this.#pubsub.onMessages(`${this.#prefix}:task-output:{`, (_channel, message) => {
      const wire = JSON.parse(message.toString()) as WireBatch;
      const watchers = this.#channels.get(wire.taskId)?.watchers;
      if (!watchers) return;
      const batch = { ...wire, entries: wire.entries.map((entry) => ({ ...entry, at: new Date(entry.at) })) } as OutputBatch;
      for (const watcher of watchers) watcher.onBatch(batch);
    });
    // Subscriptions come back by themselves after a reconnect or a failover (`PubSub`); what was
    // published meanwhile is lost, so every watcher reads what it may have missed.
    this.#pubsub.onResubscribed(() => {
      for (const channel of this.#channels.values()) for (const watcher of channel.watchers) watcher.onResync();
    });
  }
}
