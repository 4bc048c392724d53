/**
 * Announcing recorded flow changes across processes: one Redis channel per deployment, each
 * message the flow's id and the version just recorded. Like the task event bus it is only a
 * doorbell — the flow's change log in MongoDB is the record, and a listener that may have missed
 * a message (Redis reconnected) is told to read it again.
 */
import { redisCall } from '../errors.ts';
import type { PubSub } from '../redis/pubsub.ts';
import { allTaskChannels, taskChannel } from '../redis/shards.ts';

/** Listeners of one flow: a version was recorded, or messages may have been lost. */
export interface FlowWatcher {
  onChange: (version: number) => void;
  onResync: () => void;
}

export class FlowChanges {
  readonly #pubsub: PubSub;
  readonly #channel: string;
  readonly #watchers = new Map<string, Set<FlowWatcher>>();
  #subscribing: Promise<unknown> | null = null;

  /**
   * @param pubsub the process's pub/sub (on a Redis Cluster a flow's channel is its shard's, as a task's is)
   * @param prefix the deployment's Redis prefix
   */
  constructor(pubsub: PubSub, prefix: string) {
    this.#pubsub = pubsub;
    this.#channel = `${prefix}:flow-changes`;
  }

  /** Announce that flow `flowId` recorded `version`. */
  async publish(flowId: string, version: number): Promise<void> {
    await redisCall(this.#pubsub.publish(taskChannel(this.#channel, flowId, this.#pubsub.sharded), JSON.stringify({ flowId, version })));
  }

  /**
   * Watch flow `flowId` until the returned function is called. Resolves once Redis has confirmed
   * the subscription (the first watch in a process subscribes), so nothing published later is missed.
   */
  async watch(flowId: string, watcher: FlowWatcher): Promise<() => void> {
    let set = this.#watchers.get(flowId);
    if (!set) this.#watchers.set(flowId, (set = new Set()));
    set.add(watcher);
    const unwatch = () => {
      set.delete(watcher);
      if (set.size === 0 && this.#watchers.get(flowId) === set) this.#watchers.delete(flowId);
    };
    try {
      await (this.#subscribing ??= this.#subscribe());
    } catch (error) {
      this.#subscribing = null;
      unwatch();
      throw error;
    }
    return unwatch;
  }

  async #subscribe(): Promise<void> {
    // What was published while the subscriptions were away is lost: every watcher reads again.
    this.#pubsub.onResubscribed(() => {
      for (const set of this.#watchers.values()) for (const w of set) w.onResync();
    });
    await this.#pubsub.subscribe(allTaskChannels(this.#channel, this.#pubsub.sharded), (_channel, message) => {
      const { flowId, version } = JSON.parse(message.toString()) as { flowId: string; version: number };
      for (const w of this.#watchers.get(flowId) ?? []) w.onChange(version);
    });
  }
}
