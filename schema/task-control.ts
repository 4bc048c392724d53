/** Controlling a task after it was enqueued: the `cancelTask` and `retryTask` mutations. */
import { builder } from './builder.ts';
import { TaskRef } from './task.ts';

builder.mutationField('cancelTask', (t) =>
  t.field({
    type: TaskRef,
    description:
      'Cancel a PENDING, SCHEDULED, RETRYING or RUNNING task (a running handler is signalled and the task is recorded CANCELLED when it stops). SUCCEEDED or FAILED: CONFLICT; CANCELLED: the task, unchanged.',
    args: { id: t.arg.id({ required: true }), reason: t.arg.string() },
    resolve: (_, { id, reason }, { tasks, principal }) => tasks.cancel(principal, String(id), reason ?? null),
  }),
);

builder.mutationField('retryTask', (t) =>
  t.field({
    type: TaskRef,
    description: 'Queue a FAILED or CANCELLED task again: same id, its history kept, a fresh series of attempts.',
    args: { id: t.arg.id({ required: true }) },
    resolve: (_, { id }, { tasks, principal }) => tasks.retry(principal, String(id)),
  }),
);
