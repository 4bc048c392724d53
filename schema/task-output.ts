/**
 * What a running task produces besides its progress: `Task.metadata`, which its handler sets
 * (`ctx.setMetadata` / `ctx.mergeMetadata`). Logs and output streams are not served by this
 * version.
 */
import { builder } from './builder.ts';
import { TaskRef } from './task.ts';

builder.objectField(TaskRef, 'metadata', (t) =>
  t.field({
    type: 'JSON',
    description: "Set by the handler (ctx.setMetadata replaces it, ctx.mergeMetadata merges top-level keys), at most 64 KiB; {} until then. Written with progress, as PROGRESS events.",
    resolve: (task) => task.metadata ?? {},
  }),
);
