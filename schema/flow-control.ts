/**
 * Flow control (docs/flow-control.md): pausing queues (`pauseQueue`, `resumeQueue`,
 * `QueueStats.paused`), queue-wide limits (`QueueStats.concurrencyLimit`, `rateLimit`), concurrency
 * keys (`Task.concurrencyKey`), why a waiting task is not running (`Task.waitReason`), and
 * deferred tasks (`deferrals`, `deferredUntil`).
 */
import { visibleState, WAIT_REASONS, waitReasonOf, type WaitReason } from '../src/model/task.ts';
import { builder } from './builder.ts';
import { QueueStatsRef } from './queue.ts';
import { TaskRef } from './task.ts';

const WaitReasonEnum = builder.enumType('WaitReason', {
  description: 'Why a PENDING or WAITING task is not running now.',
  values: {
    QUEUE_PAUSED: { description: 'Its queue is paused (pauseQueue).' },
    CONCURRENCY_LIMIT: { description: 'Its concurrency key has as many attempts running as its limit allows.' },
    RATE_LIMIT: { description: "Its rate limit's window is full, or its handler deferred it." },
    DEPENDENCIES: { description: 'Tasks it depends on have not all succeeded.' },
    CHILDREN: { description: 'It waits for the children its handler spawned.' },
  } satisfies Record<(typeof WAIT_REASONS)[number], { description: string }>,
});

const RateLimitRef = builder.objectRef<{ max: number; perMs: number }>('RateLimit').implement({
  description: 'At most `max` attempts started per `perMs` window.',
  fields: (t) => ({ max: t.exposeInt('max'), perMs: t.exposeInt('perMs') }),
});

builder.objectFields(QueueStatsRef, (t) => ({
  paused: t.exposeBoolean('paused', { description: 'No new attempts start while true (pauseQueue); tasks enqueued meanwhile wait.' }),
  concurrencyLimit: t.exposeInt('concurrencyLimit', {
    nullable: true,
    description: 'At most this many attempts of the queue RUNNING at once across every worker (QUEUE_LIMITS); null: no queue-wide limit.',
  }),
  rateLimit: t.expose('rateLimit', {
    type: RateLimitRef,
    nullable: true,
    description: 'At most this many attempts of the queue started per window across every worker (QUEUE_LIMITS); null: no queue-wide limit.',
  }),
}));

builder.objectField(TaskRef, 'waitReason', (t) =>
  t.field({
    type: WaitReasonEnum,
    nullable: true,
    description: 'Why a PENDING or WAITING task is not running now; null when nothing holds it.',
    resolve: async (task, _, { queues }): Promise<WaitReason | null> => {
      const now = new Date();
      // Redis is asked (through a short cache) only about tasks that wait.
      const pending = visibleState(task, now) === 'PENDING';
      const [paused, limitWait] = pending ? await Promise.all([queues.pausedQueues().then((p) => p.has(task.queue)), queues.limitWaitOf(task)]) : [false, null];
      return waitReasonOf(task, now, paused, limitWait);
    },
  }),
);

builder.mutationField('pauseQueue', (t) =>
  t.field({
    type: QueueStatsRef,
    description: 'No new attempts start in this queue, on any worker, until resumeQueue; running ones finish. Admins only.',
    args: { name: t.arg.string({ required: true }) },
    resolve: (_, { name }, { queues, principal }) => queues.pause(principal, name),
  }),
);

builder.mutationField('resumeQueue', (t) =>
  t.field({
    type: QueueStatsRef,
    description: 'Start attempts in this queue again. Admins only.',
    args: { name: t.arg.string({ required: true }) },
    resolve: (_, { name }, { queues, principal }) => queues.resume(principal, name),
  }),
);

builder.objectFields(TaskRef, (t) => ({
  deferrals: t.int({ description: 'Times its handler deferred it (ctx.deferFor).', resolve: (task) => task.deferrals ?? 0 }),
  deferredUntil: t.expose('deferredUntil', { type: 'DateTime', nullable: true, description: 'Until when a deferred task waits.' }),
  concurrencyKey: t.exposeString('concurrencyKey', {
    nullable: true,
    description: "The key its type's concurrency limit counts it under: the enqueue's concurrencyKey, else what the type's key function made; null: counted per type.",
  }),
}));
