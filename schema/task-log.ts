/** A task's log (`ctx.log`): the `LogLevel` enum, the `TaskLogLine` type, `Task.logs` and the `taskLogs` subscription. */
import { LOG_LEVELS, type TaskLogLine } from '../src/model/task-output.ts';
import { builder } from './builder.ts';
import { TaskRef } from './task.ts';

const LogLevelEnum = builder.enumType('LogLevel', { values: LOG_LEVELS });

const TaskLogLineRef = builder.objectRef<TaskLogLine>('TaskLogLine').implement({
  description: "One line of a task's log, as its handler wrote it (ctx.log.debug / info / warn / error).",
  fields: (t) => ({
    seq: t.exposeInt('seq', { description: 'From 1 per task, across all its attempts.' }),
    at: t.expose('at', { type: 'DateTime', description: 'When the handler wrote it.' }),
    attempt: t.exposeInt('attempt', { description: 'The attempt that wrote it.' }),
    level: t.expose('level', { type: LogLevelEnum }),
    message: t.exposeString('message'),
    data: t.field({ type: 'JSON', nullable: true, resolve: (line) => line.data }),
  }),
});

builder.objectField(TaskRef, 'logs', (t) =>
  t.field({
    type: [TaskLogLineRef],
    description:
      'The kept lines after seq `after`, oldest first; with `last`, only the newest `last` of them. A task keeps TASK_LOG_MAX_LINES lines: older ones are gone (one LOG_TRUNCATED event says when that began). `after` or `last` below 0 is BAD_USER_INPUT; `after` beyond the end gives an empty list.',
    args: {
      after: t.arg.int({ defaultValue: 0 }),
      last: t.arg.int(),
    },
    resolve: (task, { after, last }, { output }) => output.logs(task, after ?? 0, last ?? null),
  }),
);

builder.subscriptionField('taskLogs', (t) =>
  t.field({
    type: TaskLogLineRef,
    description:
      "The kept lines after seq `after` from the record, then live, in order with no gaps or duplicates (lines dropped past TASK_LOG_MAX_LINES are skipped); completes after the task's final state once every line before it was sent. `after` below 0 is BAD_USER_INPUT; beyond the end, nothing is replayed and the live lines after it follow.",
    args: {
      id: t.arg.id({ required: true }),
      after: t.arg.int({ defaultValue: 0 }),
    },
    subscribe: (_, { id, after }, { output, principal }) => output.watchLogs(principal, String(id), after ?? 0),
    resolve: (line, _, { delivered }) => {
      delivered(line.at);
      return line;
    },
  }),
);
