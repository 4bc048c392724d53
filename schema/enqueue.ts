/** Enqueueing: the `enqueueTask` mutation, its input and its payload. */
import type { Enqueued } from '../src/service/task-service.ts';
import { builder } from './builder.ts';
import { TaskRef } from './task.ts';

const EnqueueTaskInput = builder.inputType('EnqueueTaskInput', {
  fields: (t) => ({
    type: t.string({ required: true }),
    input: t.field({ type: 'JSON', description: "Validated against the type's input schema; default {}." }),
    queue: t.string({ description: "Default: the type's queue." }),
    priority: t.int({ description: '0 (default) to 10; higher starts first within a queue.' }),
    maxAttempts: t.int({ description: "Default: the type's." }),
    tags: t.stringList(),
  }),
});

const EnqueueTaskPayload = builder.objectRef<Enqueued>('EnqueueTaskPayload').implement({
  fields: (t) => ({
    task: t.expose('task', { type: TaskRef }),
    deduplicated: t.exposeBoolean('deduplicated'),
  }),
});

builder.mutationField('enqueueTask', (t) =>
  t.field({
    type: EnqueueTaskPayload,
    args: { input: t.arg({ type: EnqueueTaskInput, required: true }) },
    resolve: (_, { input }, { tasks }) => tasks.enqueue(input),
  }),
);
