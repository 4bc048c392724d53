/**
 * Live queue statistics (`queueStatsUpdated`). Counting is a MongoDB aggregation, so it must not
 * run per event or per subscriber: each process keeps one channel per watched queue (and one for
 * "all queues"), marks it dirty when a task of that queue changes state, recounts at most once
 * per interval however many events arrive, and sends subscribers only counts that changed. A
 * slow periodic recount also catches what no task event announces (workers joining or leaving,
 * scheduled tasks coming due).
 */
import { Repeater } from 'graphql-yoga';
import type { RateLimit } from '../model/limits.ts';
import type { ChangeSummary } from './change-message.ts';
import type { EventBus } from './event-bus.ts';

/** The counts of one queue, as `QueueStats` serves them. */
export interface QueueStats {
  name: string;
  pending: number;
  scheduled: number;
  running: number;
  retrying: number;
  succeeded: number;
  failed: number;
  cancelled: number;
  workers: number;
  /** Whether the queue is paused (`pauseQueue`). */
  paused: boolean;
  /** The queue-wide concurrency limit (QUEUE_LIMITS), or null. */
  concurrencyLimit: number | null;
  /** The queue-wide rate limit (QUEUE_LIMITS), or null. */
  rateLimit: RateLimit | null;
}

/** Counts `queue` (every known queue when null), counting `owner`'s tasks (everyone's when null). */
export type CountQueues = (owner: string | null, queue: string | null) => Promise<QueueStats[]>;

/** Timing of recounts. */
export interface QueueStatsTiming {
  /** Least time between two recounts of one channel (500 ms: at most twice a second). */
  minIntervalMs: number;
  /** Recount this often anyway while anyone watches. */
  refreshMs: number;
}

interface Channel {
  owner: string | null;
  queue: string | null;
  subscribers: Set<(stats: QueueStats) => Promise<unknown>>;
  /** What subscribers were last sent, per queue, as JSON. */
  sent: Map<string, string>;
  timer: NodeJS.Timeout | null;
  lastCountAt: number;
  refresh: NodeJS.Timeout;
}


export class QueueStatsFeeds {
  readonly #bus: EventBus;
  readonly #count: CountQueues;
  readonly #timing: QueueStatsTiming;
  readonly #channels = new Map<string, Channel>();
  #unwatch: (() => void) | null = null;
  /** Recounts run since start (for tests and metrics). */
  counts = 0;

  constructor(bus: EventBus, count: CountQueues, timing: QueueStatsTiming) {
    this.#bus = bus;
    this.#count = count;
    this.#timing = timing;
  }

  /**
   * The stats of `queue` (every queue when null) counting `owner`'s tasks (everyone's when null),
   * now, then whenever they change.
   */
  open(owner: string | null, queue: string | null): AsyncIterableIterator<QueueStats> {
    const key = JSON.stringify([owner, queue]);
    return new Repeater<QueueStats>(async (push, stop) => {
      const initial = await this.#count(owner, queue);
      for (const stats of initial) await push(stats);
      const channel = this.#channel(key, owner, queue);
      for (const stats of initial) channel.sent.set(stats.name, JSON.stringify(stats));
      const subscriber = (stats: QueueStats) => push(stats);
      channel.subscribers.add(subscriber);
      await stop;
      channel.subscribers.delete(subscriber);
      if (channel.subscribers.size === 0) this.#close(key, channel);
    });
  }

  #channel(key: string, owner: string | null, queue: string | null): Channel {
    let channel = this.#channels.get(key);
    if (!channel) {
      channel = {
        owner,
        queue,
        subscribers: new Set(),
        sent: new Map(),
        timer: null,
        lastCountAt: performance.now(),
        refresh: setInterval(() => this.#dirty(key), this.#timing.refreshMs),
      };
      this.#channels.set(key, channel);
    }
    if (!this.#unwatch) this.#unwatch = this.#bus.watchSummaries({ onSummary: (s) => this.#changed(s), onResync: () => this.#dirtyAll() });
    return channel;
  }

  #close(key: string, channel: Channel): void {
    clearInterval(channel.refresh);
    if (channel.timer) clearTimeout(channel.timer);
    this.#channels.delete(key);
    if (this.#channels.size === 0) {
      this.#unwatch?.();
      this.#unwatch = null;
    }
  }

  #changed({ event, owner, queue }: ChangeSummary): void {
    if (event === 'PROGRESS') return; // progress never changes a count
    for (const [key, channel] of this.#channels) {
      if ((channel.owner === null || channel.owner === owner) && (channel.queue === null || channel.queue === queue)) {
        this.#dirty(key);
      }
    }
  }

  #dirtyAll(): void {
    for (const key of this.#channels.keys()) this.#dirty(key);
  }

  /** Recount `key` as soon as its interval allows. */
  #dirty(key: string): void {
    const channel = this.#channels.get(key);
    if (!channel || channel.timer) return;
    const wait = Math.max(0, channel.lastCountAt + this.#timing.minIntervalMs - performance.now());
    channel.timer = setTimeout(() => {
      channel.timer = null;
      this.#recount(key);
    }, wait);
  }

  #recount(key: string): void {
    const channel = this.#channels.get(key);
    if (!channel) return;
    channel.lastCountAt = performance.now();
    this.counts++;
    this.#count(channel.owner, channel.queue).then(
      (all) => {
        for (const stats of all) {
          const json = JSON.stringify(stats);
          if (channel.sent.get(stats.name) === json) continue;
          channel.sent.set(stats.name, json);
          for (const send of channel.subscribers) void send(stats);
        }
      },
      () => {}, // MongoDB away: the next change or refresh tries again
    );
  }
}
