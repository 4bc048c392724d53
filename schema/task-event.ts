/** The TaskEvent type and the `taskEvents` subscription. */
import { TASK_EVENT_TYPES } from '../src/model/task.ts';
import { builder } from './builder.ts';
import { TaskEventRef } from './refs.ts';
import { TaskErrorRef, TaskProgressRef, TaskRef, TaskStateEnum } from './task.ts';

const TaskEventTypeEnum = builder.enumType('TaskEventType', { values: TASK_EVENT_TYPES });

TaskEventRef.implement({
  description: 'One recorded change of a task.',
  fields: (t) => ({
    taskId: t.exposeID('taskId'),
    version: t.exposeInt('version'),
    type: t.expose('type', { type: TaskEventTypeEnum }),
    state: t.expose('state', { type: TaskStateEnum, description: "The task's state after this event." }),
    at: t.expose('at', { type: 'DateTime' }),
    attempt: t.exposeInt('attempt', { description: 'The attempt this event belongs to (0 before the first).' }),
    progress: t.expose('progress', { type: TaskProgressRef, nullable: true }),
    error: t.expose('error', { type: TaskErrorRef, nullable: true }),
    reason: t.exposeString('reason', { nullable: true, description: 'Why, when someone said (CANCELLED).' }),
    nextRunAt: t.expose('nextRunAt', {
      type: 'DateTime',
      nullable: true,
      description: 'When the next attempt runs (RETRY_SCHEDULED).',
    }),
    task: t.field({
      type: TaskRef,
      description: 'The task as of this event (live), or as read when the event was replayed.',
      resolve: (event) => event.task,
    }),
  }),
});

builder.subscriptionField('taskEvents', (t) =>
  t.field({
    type: TaskEventRef,
    description: 'Replay of the events after `afterVersion`, then live; completes after the final event.',
    args: {
      id: t.arg.id({ required: true }),
      afterVersion: t.arg.int({ defaultValue: 0 }),
    },
    subscribe: (_, { id, afterVersion }, { tasks, principal }) => tasks.watchEvents(principal, String(id), afterVersion ?? 0),
    resolve: (event, _, { delivered }) => {
      delivered(event.at);
      return event;
    },
  }),
);
