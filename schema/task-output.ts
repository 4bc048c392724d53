/**
 * What a running task produces besides its progress: `Task.metadata`, which its handler sets
 * (`ctx.setMetadata` / `ctx.mergeMetadata`), and its output streams (`ctx.output.write`): the
 * `TaskOutputChunk` type, `Task.output` and the `taskOutput` subscription. The log is in
 * `task-log.ts`.
 */
import { DEFAULT_STREAM, type TaskOutputChunk } from '../src/model/task-output.ts';
import { builder } from './builder.ts';
import { TaskRef } from './task.ts';

builder.objectField(TaskRef, 'metadata', (t) =>
  t.field({
    type: 'JSON',
    description: "Set by the handler (ctx.setMetadata replaces it, ctx.mergeMetadata merges top-level keys), at most 64 KiB; {} until then. Written with progress, as PROGRESS events.",
    resolve: (task) => task.metadata ?? {},
  }),
);

const TaskOutputChunkRef = builder.objectRef<TaskOutputChunk>('TaskOutputChunk').implement({
  description: 'One chunk of one of a task\'s output streams (ctx.output.write).',
  fields: (t) => ({
    seq: t.exposeInt('seq', { description: 'From 1 per stream of the task; every attempt goes on from the one before.' }),
    at: t.expose('at', { type: 'DateTime', description: 'When the handler wrote it.' }),
    stream: t.exposeString('stream'),
    data: t.exposeString('data'),
  }),
});

builder.objectField(TaskRef, 'output', (t) =>
  t.field({
    type: [TaskOutputChunkRef],
    description: 'The chunks of stream `stream` after seq `after`, in order. `after` below 0 is BAD_USER_INPUT; beyond the end, the list is empty.',
    args: {
      stream: t.arg.string({ defaultValue: DEFAULT_STREAM }),
      after: t.arg.int({ defaultValue: 0 }),
    },
    resolve: (task, { stream, after }, { output }) => output.output(task, stream ?? DEFAULT_STREAM, after ?? 0),
  }),
);

builder.subscriptionField('taskOutput', (t) =>
  t.field({
    type: TaskOutputChunkRef,
    description:
      'The chunks of stream `stream` after seq `after` from the record, then live, in order with no gaps or duplicates; completes after the task\'s final state once every chunk before it was sent. `after` below 0 is BAD_USER_INPUT; beyond the end, nothing is replayed and the live chunks after it follow.',
    args: {
      id: t.arg.id({ required: true }),
      stream: t.arg.string({ defaultValue: DEFAULT_STREAM }),
      after: t.arg.int({ defaultValue: 0 }),
    },
    subscribe: (_, { id, stream, after }, { output, principal }) => output.watchOutput(principal, String(id), stream ?? DEFAULT_STREAM, after ?? 0),
    resolve: (chunk, _, { delivered }) => {
      delivered(chunk.at);
      return chunk;
    },
  }),
);
