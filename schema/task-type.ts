/** The TaskType type and the `taskTypes` query. */
import type { TaskType } from '../src/tasks/task-type.ts';
import { builder } from './builder.ts';

const TaskTypeRef = builder.objectRef<TaskType>('TaskType').implement({
  description: 'A kind of task this deployment runs.',
  fields: (t) => ({
    name: t.exposeString('name'),
    queue: t.exposeString('queue'),
    description: t.exposeString('description', { nullable: true }),
    inputSchema: t.field({ type: 'JSON', description: 'JSON Schema of the input.', resolve: (type) => type.inputSchema }),
    maxAttempts: t.exposeInt('maxAttempts'),
    timeoutMs: t.exposeInt('timeoutMs', { nullable: true }),
  }),
});

builder.queryField('taskTypes', (t) =>
  t.field({
    type: [TaskTypeRef],
    resolve: (_, __, { taskTypes }) => taskTypes.list(),
  }),
);
