/**
 * Pub/sub over any topology: classic PUBLISH/SUBSCRIBE on one Redis or a Sentinel-watched
 * master, sharded SPUBLISH/SSUBSCRIBE on a Redis Cluster (ioredis' `shardedSubscribers` keeps
 * one subscriber connection per master and moves subscriptions along with their slots). Channels
 * on a cluster come from `shards.ts`.
 */
import type { ChainableCommander } from 'ioredis';
import { isCluster, type RedisConnection } from './connections.ts';

/** Called with each message on a subscribed channel. */
export type MessageListener = (channel: string, message: Buffer) => void;

export class PubSub {
  /** Whether channels are sharded (a cluster): choose them with `taskChannel(…, pubsub.sharded)`. */
  readonly sharded: boolean;
  readonly #publisher: RedisConnection;
  readonly #subscriber: RedisConnection;
  readonly #channels = new Set<string>();
  readonly #resubscribedListeners = new Set<() => void>();
  #listening = false;

  /**
   * @param publisher a connection for publishing: a `publisher` one (auto-pipelined), or any other
   * @param subscriber a connection of its own: once it subscribes it can do nothing else
   */
  constructor(publisher: RedisConnection, subscriber: RedisConnection) {
    this.#publisher = publisher;
    this.#subscriber = subscriber;
    this.sharded = isCluster(subscriber);
  }

  /** Publish `message` on `channel`. */
  async publish(channel: string, message: string | Buffer): Promise<void> {
    await (this.sharded ? this.#publisher.spublish(channel, message) : this.#publisher.publish(channel, message));
  }

  /** Add publishing `message` on `channel` to a MULTI or pipeline (its keys must share the channel's slot on a cluster). */
  publishIn(commands: ChainableCommander, channel: string, message: string | Buffer): ChainableCommander {
    return this.sharded ? commands.spublish(channel, message) : commands.publish(channel, message);
  }

  /**
   * Subscribe to `channels` and hand their messages to `listener`; resolves once Redis has
   * confirmed every subscription, so nothing published after it is missed.
   */
  async subscribe(channels: readonly string[], listener: MessageListener): Promise<void> {
    this.#listen();
    const mine = new Set(channels);
    this.#subscriber.on(this.sharded ? 'smessageBuffer' : 'messageBuffer', (channel: Buffer, message: Buffer) => {
      const name = channel.toString();
      if (mine.has(name)) listener(name, message);
    });
    await this.#confirm(channels);
    for (const channel of channels) this.#channels.add(channel);
  }

  /**
   * Hand every message on a channel whose name starts with `prefix` to `listener`: for channels
   * joined and left one by one (`join`, `leave`), such as one per watched task.
   */
  onMessages(prefix: string, listener: MessageListener): void {
    this.#listen();
    this.#subscriber.on(this.sharded ? 'smessageBuffer' : 'messageBuffer', (channel: Buffer, message: Buffer) => {
      const name = channel.toString();
      if (name.startsWith(prefix)) listener(name, message);
    });
  }

  /**
   * Subscribe to `channel` (its messages go to the `onMessages` listener of its prefix); resolves
   * once Redis has confirmed, and the subscription comes back after a reconnect or failover.
   */
  async join(channel: string): Promise<void> {
    this.#listen();
    this.#channels.add(channel);
    try {
      await this.#confirm([channel]);
    } catch (error) {
      this.#channels.delete(channel);
      throw error;
    }
  }

  /** Unsubscribe from `channel`. Commands on one connection run in order: a later `join` follows this. */
  async leave(channel: string): Promise<void> {
    this.#channels.delete(channel);
    await (this.sharded ? this.#subscriber.sunsubscribe(channel) : this.#subscriber.unsubscribe(channel));
  }

  /**
   * Call `listener` each time the subscriptions are back after a reconnect or a failover, once
   * Redis has confirmed them: whatever was published while they were away is lost, and listeners
   * re-read what they may have missed.
   */
  onResubscribed(listener: () => void): void {
    this.#resubscribedListeners.add(listener);
  }

  #listen(): void {
    if (this.#listening) return;
    this.#listening = true;
    const resubscribed = () => {
      for (const listener of this.#resubscribedListeners) listener();
    };
    if (!this.sharded) {
      // ioredis subscribes again by itself before it is ready after a reconnect.
      this.#subscriber.on('ready', () => {
        if (this.#channels.size > 0) resubscribed();
      });
      return;
    }
    // ioredis replaces a master's subscriber connection once it is lost (`-subscriber`), and
    // after the next look at the cluster's shape (`subscribersReady`: also sent when nothing was
    // lost, at start) resubscribes without awaiting the answers. Subscribing again here is
    // harmless and says when the subscriptions stand; should that fail (the new master is not up
    // yet), the next look tries again.
    let lost = false;
    this.#subscriber.on('-subscriber', () => {
      lost = true;
    });
    this.#subscriber.on('subscribersReady', () => {
      if (!lost || this.#channels.size === 0) return;
      lost = false;
      this.#confirm([...this.#channels]).then(resubscribed, () => {
        lost = true;
      });
    });
  }

  async #confirm(channels: readonly string[]): Promise<void> {
    if (!this.sharded) {
      await this.#subscriber.subscribe(...channels);
      return;
    }
    // One SSUBSCRIBE per channel: sharded channels of one command must share a slot.
    await Promise.all(channels.map((channel) => this.#subscriber.ssubscribe(channel)));
  }
}
