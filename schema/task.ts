/** The Task type and what it is made of, the `task` query and the `taskUpdated` subscription. */
import { ATTEMPT_OUTCOMES, TASK_STATES, visibleState, withTask, type Task, type TaskAttempt, type TaskError, type TaskProgress } from '../src/model/task.ts';
import { builder } from './builder.ts';
import { TaskEventRef } from './refs.ts';

export const TaskStateEnum = builder.enumType('TaskState', { values: TASK_STATES });
const AttemptOutcomeEnum = builder.enumType('AttemptOutcome', { values: ATTEMPT_OUTCOMES });

export const TaskErrorRef = builder.objectRef<TaskError>('TaskError').implement({
  description: 'An error as recorded.',
  fields: (t) => ({
    name: t.exposeString('name'),
    message: t.exposeString('message'),
    stack: t.exposeString('stack', { nullable: true }),
    retryable: t.exposeBoolean('retryable', { description: 'False when another attempt could not help.' }),
  }),
});

export const TaskProgressRef = builder.objectRef<TaskProgress>('TaskProgress').implement({
  description: 'What the handler last reported.',
  fields: (t) => ({
    percent: t.exposeFloat('percent', { nullable: true }),
    message: t.exposeString('message', { nullable: true }),
    data: t.field({ type: 'JSON', nullable: true, resolve: (p) => p.data }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
  }),
});

const TaskAttemptRef = builder.objectRef<TaskAttempt>('TaskAttempt').implement({
  description: 'One run of the handler.',
  fields: (t) => ({
    number: t.exposeInt('number'),
    startedAt: t.expose('startedAt', { type: 'DateTime' }),
    finishedAt: t.expose('finishedAt', { type: 'DateTime', nullable: true }),
    outcome: t.expose('outcome', { type: AttemptOutcomeEnum }),
    error: t.expose('error', { type: TaskErrorRef, nullable: true }),
    workerId: t.exposeString('workerId', { nullable: true }),
  }),
});

export const TaskRef = builder.objectRef<Task>('Task').implement({
  description: 'A background task: what was asked, where it stands, and its recorded history.',
  fields: (t) => ({
    id: t.exposeID('id'),
    type: t.exposeString('type'),
    queue: t.exposeString('queue'),
    state: t.field({
      type: TaskStateEnum,
      description: 'A SCHEDULED task reads PENDING once its runAt has passed and it waits in its queue.',
      resolve: (task) => visibleState(task, new Date()),
    }),
    input: t.field({ type: 'JSON', resolve: (task) => task.input }),
    result: t.field({ type: 'JSON', nullable: true, description: 'Set when SUCCEEDED.', resolve: (task) => task.result }),
    error: t.expose('error', { type: TaskErrorRef, nullable: true, description: "The latest attempt's error (RETRYING, FAILED)." }),
    progress: t.expose('progress', { type: TaskProgressRef, nullable: true }),
    attempt: t.exposeInt('attempt', { description: 'Attempts started so far (0 before the first).' }),
    maxAttempts: t.exposeInt('maxAttempts', { description: 'Attempts allowed in the current series (a retryTask starts a new one).' }),
    attempts: t.expose('attempts', { type: [TaskAttemptRef] }),
    priority: t.exposeInt('priority', { description: '0 (default) to 10; higher starts first within a queue.' }),
    tags: t.exposeStringList('tags'),
    idempotencyKey: t.exposeString('idempotencyKey', { nullable: true }),
    owner: t.exposeString('owner', { description: 'Who enqueued it (the `sub` of its token, or its API key’s owner).' }),
    version: t.exposeInt('version', { description: 'The version of the latest event.' }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    runAt: t.expose('runAt', { type: 'DateTime', nullable: true }),
    startedAt: t.expose('startedAt', { type: 'DateTime', nullable: true }),
    finishedAt: t.expose('finishedAt', { type: 'DateTime', nullable: true }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
    expiresAt: t.expose('expiresAt', { type: 'DateTime', nullable: true, description: 'When a finished task and its result are deleted.' }),
    events: t.field({
      type: [TaskEventRef],
      description: 'Recorded events after `afterVersion`, in order (superseded PROGRESS events may be left out).',
      args: { afterVersion: t.arg.int({ defaultValue: 0 }) },
      resolve: async (task, { afterVersion }, { tasks, principal }) =>
        ((await tasks.events(principal, task.id, afterVersion ?? 0)) ?? []).map((event) => withTask(event, task)),
    }),
  }),
});

builder.queryField('task', (t) =>
  t.field({
    type: TaskRef,
    nullable: true,
    description: 'The task; null when unknown.',
    args: { id: t.arg.id({ required: true }) },
    resolve: (_, { id }, { tasks, principal }) => tasks.get(principal, String(id)),
  }),
);

builder.subscriptionField('taskUpdated', (t) =>
  t.field({
    type: TaskRef,
    description: 'The task at once, then after each event; completes after a final state.',
    args: { id: t.arg.id({ required: true }) },
    subscribe: (_, { id }, { tasks, principal }) => tasks.watchTask(principal, String(id)),
    resolve: (task, _, { delivered }) => {
      delivered(task.updatedAt);
      return task;
    },
  }),
);
