/** Enqueueing, one or many: the `enqueueTask` and `enqueueTasks` mutations, their input and payload. */
import { MAX_CONCURRENCY_KEY_LENGTH } from '../src/model/limits.ts';
import { ENQUEUE_LIMITS, type Enqueued } from '../src/service/task-service.ts';
import { builder } from './builder.ts';
import { TaskRef } from './task.ts';

const EnqueueTaskInput = builder.inputType('EnqueueTaskInput', {
  fields: (t) => ({
    type: t.string({ required: true }),
    input: t.field({ type: 'JSON', description: "Validated against the type's input schema; default {}." }),
    queue: t.string({
      description:
        "Default: the type's queue. Any other must be a queue some task type uses or workers are configured to serve (WORKER_QUEUES); an unknown one is BAD_USER_INPUT naming the known queues.",
    }),
    priority: t.int({ description: '0 (default) to 10; higher starts first within a queue.' }),
    delayMs: t.int({ description: 'Run this much later (at most a year); or runAt, not both.' }),
    runAt: t.field({ type: 'DateTime', description: 'Run at this time (at most a year ahead; a past time runs now).' }),
    maxAttempts: t.int({ description: `Default: the type's. 1 to ${ENQUEUE_LIMITS.maxAttempts}.` }),
    idempotencyKey: t.string({
      description:
        'Same key and type while the first task is retained: that task, deduplicated: true — and this input is dropped, even when it differs (see conflictOnDifferentInput).',
    }),
    conflictOnDifferentInput: t.boolean({
      description:
        "With idempotencyKey: when the retained task of that key was enqueued with another input, CONFLICT instead of that task (inputs compared as JSON, whatever the order of keys). Default false.",
    }),
    tags: t.stringList({ description: `At most ${ENQUEUE_LIMITS.tags}, each 1 to ${ENQUEUE_LIMITS.tagLength} characters.` }),
    resultTtlSeconds: t.int({ description: 'How long a finished task is kept (0: for ever); default from configuration.' }),
    concurrencyKey: t.string({
      description: `The key its type's concurrency and rate limits count it under (e.g. a tenant or user id), overriding the type's key function; 1 to ${MAX_CONCURRENCY_KEY_LENGTH} characters.`,
    }),
  }),
});

const EnqueueTaskPayload = builder.objectRef<Enqueued>('EnqueueTaskPayload').implement({
  fields: (t) => ({
    task: t.expose('task', { type: TaskRef }),
    deduplicated: t.exposeBoolean('deduplicated', { description: 'True when an earlier task with the same idempotency key was returned.' }),
  }),
});

builder.mutationField('enqueueTask', (t) =>
  t.field({
    type: EnqueueTaskPayload,
    args: { input: t.arg({ type: EnqueueTaskInput, required: true }) },
    resolve: (_, { input }, { tasks, principal }) => tasks.enqueue(principal, input),
  }),
);

builder.mutationField('enqueueTasks', (t) =>
  t.field({
    type: [EnqueueTaskPayload],
    description: `Up to ${ENQUEUE_LIMITS.batch} tasks in one call; all valid or none enqueued.`,
    args: { inputs: t.arg({ type: [EnqueueTaskInput], required: true }) },
    resolve: (_, { inputs }, { tasks, principal }) => tasks.enqueueMany(principal, inputs),
  }),
);
