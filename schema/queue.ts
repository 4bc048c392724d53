/** Queues and workers: `queues`, `queueStatsUpdated` and `workers`. */
import type { QueueStats } from '../src/events/queue-stats-feeds.ts';
import { statsOwner } from '../src/service/queue-service.ts';
import type { WorkerInfo } from '../src/queue/worker-registry.ts';
import { builder } from './builder.ts';

export const QueueStatsRef = builder.objectRef<QueueStats>('QueueStats').implement({
  description: 'Retained tasks of a queue per state, and the live workers serving it.',
  fields: (t) => ({
    name: t.exposeString('name'),
    pending: t.exposeInt('pending'),
    scheduled: t.exposeInt('scheduled'),
    running: t.exposeInt('running'),
    retrying: t.exposeInt('retrying'),
    succeeded: t.exposeInt('succeeded'),
    failed: t.exposeInt('failed'),
    cancelled: t.exposeInt('cancelled'),
    workers: t.exposeInt('workers'),
  }),
});

const WorkerRef = builder.objectRef<WorkerInfo>('Worker').implement({
  description: 'A live worker process.',
  fields: (t) => ({
    id: t.exposeID('id'),
    hostname: t.exposeString('hostname'),
    pid: t.exposeInt('pid'),
    queues: t.exposeStringList('queues'),
    concurrency: t.exposeInt('concurrency'),
    startedAt: t.expose('startedAt', { type: 'DateTime' }),
    heartbeatAt: t.expose('heartbeatAt', { type: 'DateTime' }),
  }),
});

builder.queryField('queues', (t) =>
  t.field({ type: [QueueStatsRef], resolve: (_, __, { queues, principal }) => queues.stats(principal) }),
);

builder.queryField('workers', (t) =>
  t.field({
    type: [WorkerRef],
    description: 'Worker processes whose heartbeat is recent (a stopped one disappears within three heartbeats).',
    resolve: (_, __, { queues, principal }) => queues.workers(principal),
  }),
);

builder.subscriptionField('queueStatsUpdated', (t) =>
  t.field({
    type: QueueStatsRef,
    description: 'The stats at once (every queue when none is named), then when counts change: at most twice a second per queue.',
    args: { queue: t.arg.string() },
    subscribe: (_, { queue }, { queueStats, principal }) => queueStats.open(statsOwner(principal), queue ?? null),
    resolve: (stats) => stats,
  }),
);
