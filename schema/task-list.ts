/** Finding and watching many tasks: the `tasks` connection and the `taskFeed` subscription. */
import type { Task } from '../src/model/task.ts';
import { MAX_PAGE, type TaskConnection } from '../src/service/task-service.ts';
import { TASK_ORDERS } from '../src/store/task-query.ts';
import { builder } from './builder.ts';
import { TaskRef, TaskStateEnum } from './task.ts';
import { TaskEventRef } from './refs.ts';

const TaskOrderEnum = builder.enumType('TaskOrder', { values: TASK_ORDERS });

const TaskFilterInput = builder.inputType('TaskFilter', {
  description: 'Every part that is set must match.',
  fields: (t) => ({
    states: t.field({ type: [TaskStateEnum] }),
    types: t.stringList(),
    queues: t.stringList(),
    tags: t.stringList({ description: 'A task matches when it has all of them.' }),
    createdAfter: t.field({ type: 'DateTime' }),
    createdBefore: t.field({ type: 'DateTime' }),
  }),
});

export const PageInfoRef = builder
  .objectRef<{ hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null }>('PageInfo')
  .implement({
    fields: (t) => ({
      hasNextPage: t.exposeBoolean('hasNextPage'),
      hasPreviousPage: t.exposeBoolean('hasPreviousPage', { description: 'True when the page was asked for after a cursor.' }),
      startCursor: t.exposeString('startCursor', { nullable: true }),
      endCursor: t.exposeString('endCursor', { nullable: true }),
    }),
  });

const TaskEdgeRef = builder.objectRef<{ cursor: string; node: Task }>('TaskEdge').implement({
  fields: (t) => ({
    cursor: t.exposeString('cursor'),
    node: t.expose('node', { type: TaskRef }),
  }),
});

export const TaskConnectionRef = builder.objectRef<TaskConnection>('TaskConnection').implement({
  fields: (t) => ({
    edges: t.expose('edges', { type: [TaskEdgeRef] }),
    pageInfo: t.expose('pageInfo', { type: PageInfoRef }),
    totalCount: t.exposeInt('totalCount'),
  }),
});

builder.queryField('tasks', (t) =>
  t.field({
    type: TaskConnectionRef,
    description: `Tasks the filter selects, newest first by default; \`first\` at most ${MAX_PAGE}.`,
    args: {
      filter: t.arg({ type: TaskFilterInput }),
      first: t.arg.int({ defaultValue: 20 }),
      after: t.arg.string(),
      orderBy: t.arg({ type: TaskOrderEnum, defaultValue: 'CREATED_AT_DESC' }),
    },
    resolve: (_, { filter, first, after, orderBy }, { tasks, principal }) =>
      tasks.list(principal, filter ?? {}, first ?? 20, after ?? null, orderBy ?? 'CREATED_AT_DESC'),
  }),
);

builder.subscriptionField('taskFeed', (t) =>
  t.field({
    type: TaskEventRef,
    description: 'Live events of every task that matches, from every API process; no replay.',
    args: { filter: t.arg({ type: TaskFilterInput }) },
    subscribe: (_, { filter }, { tasks, principal }) => tasks.feed(principal, filter ?? {}),
    resolve: (event, _, { delivered }) => {
      delivered(event.at);
      return event;
    },
  }),
);
