/**
 * Prometheus metrics of an API process (prom-client), served at `/metrics`. Task events are
 * counted as this process hears them on the bus, so every API process counts every event: sum
 * over one instance, or use `max by (...)`, not a sum over instances.
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { ChangeSummary } from '../events/change-message.ts';
import { isFinalState } from '../model/task.ts';
import { DeliveryHistogram } from './delivery-histogram.ts';

export class ApiMetrics {
  readonly registry = new Registry();
  /** Task events heard on the bus; `event="CREATED"` counts enqueues. */
  readonly events = new Counter({ name: 'taskql_task_events_total', help: 'Task events heard on the bus', labelNames: ['type', 'event'], registers: [this.registry] });
  readonly durations = new Histogram({
    name: 'taskql_task_duration_seconds',
    help: 'From first start to final state, per type and final state',
    labelNames: ['type', 'state'],
    buckets: [0.01, 0.05, 0.1, 0.5, 1, 5, 15, 60, 300, 1800],
    registers: [this.registry],
  });
  readonly delivery = new DeliveryHistogram({
    name: 'taskql_event_delivery_seconds',
    help: 'From an event being recorded to its subscription sending it',
    buckets: [0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
    registers: [this.registry],
  });
  readonly queueDepth: Gauge;

  /**
   * @param depths counts per queue and state, asked at each scrape
   * @param load open WebSockets and active subscriptions, asked at each scrape
   */
  constructor(
    depths: () => Promise<{ name: string; counts: Record<string, number> }[]>,
    load: () => { sockets: number; subscriptions: number },
  ) {
    collectDefaultMetrics({ register: this.registry });
    const sockets: Gauge = new Gauge({
      name: 'taskql_websockets_active',
      help: 'Open, authenticated WebSockets',
      registers: [this.registry],
      collect: () => sockets.set(load().sockets),
    });
    const subscriptions: Gauge = new Gauge({
      name: 'taskql_subscriptions_active',
      help: 'Active subscriptions over WebSocket',
      registers: [this.registry],
      collect: () => subscriptions.set(load().subscriptions),
    });
    this.queueDepth = new Gauge({
      name: 'taskql_queue_tasks',
      help: 'Retained tasks per queue and state',
      labelNames: ['queue', 'state'],
      registers: [this.registry],
      collect: async () => {
        for (const { name, counts } of await depths().catch(() => [])) {
          for (const [state, n] of Object.entries(counts)) this.queueDepth.set({ queue: name, state }, n);
        }
      },
    });
  }

  /** A subscription is sending something recorded at `recordedAt`. */
  delivered(recordedAt: Date): void {
    this.delivery.observe(Math.max(0, Date.now() - recordedAt.getTime()) / 1000);
  }

  /** Count an event heard on the bus. */
  observe({ type, event, state, startedAt, finishedAt }: ChangeSummary): void {
    this.events.inc({ type, event });
    if (isFinalState(state) && startedAt !== null && finishedAt !== null) {
      this.durations.observe({ type, state }, (finishedAt - startedAt) / 1000);
    }
  }
}
