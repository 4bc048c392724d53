/** Schedules: the Schedule type, its queries and mutations, and `Task.scheduleId`. */
import { MAX_PAGE, pageSizeProblem } from '../src/service/task-service.ts';
import { InvalidInputError } from '../src/errors.ts';
import { OVERLAP_POLICIES, type Schedule } from '../src/model/schedule.ts';
import { builder } from './builder.ts';
import { TaskRef } from './task.ts';
import { PageInfoRef, TaskConnectionRef } from './task-list.ts';

const OverlapPolicyEnum = builder.enumType('OverlapPolicy', {
  description: 'What a schedule does when a run is due while its previous task has not finished.',
  values: {
    ALLOW: { description: 'Start the new run as well.' },
    SKIP: { description: 'Make no task for that due time.' },
    BUFFER_ONE: { description: 'Hold one run back and start it when the previous task finishes; further due times meanwhile are skipped.' },
    CANCEL_PREVIOUS: { description: 'Cancel the previous task (recorded CANCELLED with the reason) and start the new run.' },
  } satisfies Record<(typeof OVERLAP_POLICIES)[number], { description: string }>,
});

const ScheduleInput = builder.inputType('ScheduleInput', {
  fields: (t) => ({
    name: t.string({ required: true, description: 'Unique per owner; createSchedule with an existing name updates it.' }),
    type: t.string({ required: true }),
    input: t.field({ type: 'JSON', description: "Validated against the type's input schema; default {}." }),
    cron: t.string({ description: '5- or 6-field cron (seconds first when 6); or every, not both.' }),
    every: t.int({ description: 'Milliseconds between runs, at least 1000.' }),
    timezone: t.string({ defaultValue: 'UTC', description: 'IANA name the cron is read in.' }),
    overlap: t.field({ type: OverlapPolicyEnum, defaultValue: 'SKIP' }),
    catchUpWindowMs: t.int({
      defaultValue: 0,
      description: 'After downtime, fire once for the newest missed due time younger than this; 0 makes nothing up.',
    }),
    queue: t.string(),
    priority: t.int(),
    maxAttempts: t.int(),
    tags: t.stringList(),
    concurrencyKey: t.string({ description: "Each task's concurrencyKey (see EnqueueTaskInput.concurrencyKey)." }),
  }),
});

export const ScheduleRef = builder.objectRef<Schedule>('Schedule').implement({
  description: 'A recurring task: a cron expression or an interval, and the task each due time makes.',
  fields: (t) => ({
    id: t.exposeID('id'),
    name: t.exposeString('name'),
    type: t.exposeString('type'),
    input: t.field({ type: 'JSON', resolve: (s) => s.input }),
    cron: t.exposeString('cron', { nullable: true }),
    every: t.exposeInt('every', { nullable: true }),
    timezone: t.exposeString('timezone'),
    overlap: t.expose('overlap', { type: OverlapPolicyEnum }),
    catchUpWindowMs: t.exposeInt('catchUpWindowMs'),
    paused: t.exposeBoolean('paused'),
    nextRunAt: t.expose('nextRunAt', { type: 'DateTime', nullable: true, description: 'The next due time; null while paused.' }),
    lastRunAt: t.expose('lastRunAt', { type: 'DateTime', nullable: true, description: 'The due time (or trigger time) of the latest run.' }),
    lastTask: t.field({
      type: TaskRef,
      nullable: true,
      description: 'The task of the latest run, while it is retained.',
      resolve: (s, _, { tasks, principal }) => (s.lastTaskId === null ? null : tasks.get(principal, s.lastTaskId)),
    }),
    tasks: t.field({
      type: TaskConnectionRef,
      description: "The schedule's runs, newest first (deleting the schedule keeps them).",
      args: { first: t.arg.int({ defaultValue: 20 }), after: t.arg.string() },
      resolve: (s, { first, after }, { tasks, principal }) =>
        tasks.list(principal, { scheduleId: s.id }, first ?? 20, after ?? null, 'CREATED_AT_DESC'),
    }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
  }),
});

const ScheduleEdgeRef = builder.objectRef<{ cursor: string; node: Schedule }>('ScheduleEdge').implement({
  fields: (t) => ({ cursor: t.exposeString('cursor'), node: t.expose('node', { type: ScheduleRef }) }),
});

interface ScheduleConnection {
  edges: { cursor: string; node: Schedule }[];
  pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null };
  totalCount: number;
}

const ScheduleConnectionRef = builder.objectRef<ScheduleConnection>('ScheduleConnection').implement({
  fields: (t) => ({
    edges: t.expose('edges', { type: [ScheduleEdgeRef] }),
    pageInfo: t.expose('pageInfo', { type: PageInfoRef }),
    totalCount: t.exposeInt('totalCount'),
  }),
});

builder.objectField(TaskRef, 'scheduleId', (t) =>
  t.exposeID('scheduleId', { nullable: true, description: 'The schedule whose run this task is, if one made it.' }),
);

builder.queryField('schedule', (t) =>
  t.field({
    type: ScheduleRef,
    nullable: true,
    description: 'Null when unknown or not yours.',
    args: { id: t.arg.id({ required: true }) },
    resolve: (_, { id }, { schedules, principal }) => schedules.get(principal, String(id)),
  }),
);

builder.queryField('schedules', (t) =>
  t.field({
    type: ScheduleConnectionRef,
    description: `Your schedules, oldest first; \`first\` at most ${MAX_PAGE}.`,
    args: { first: t.arg.int({ defaultValue: 20 }), after: t.arg.string() },
    resolve: async (_, { first, after }, { schedules, principal }) => {
      const size = first ?? 20;
      const badPage = pageSizeProblem(size);
      if (badPage) throw new InvalidInputError(badPage);
      const page = await schedules.list(principal, size, after ?? null);
      const edges = page.schedules.map((node) => ({ cursor: node.id, node }));
      return {
        edges,
        pageInfo: {
          hasNextPage: page.hasNextPage,
          hasPreviousPage: after != null,
          startCursor: edges[0]?.cursor ?? null,
          endCursor: edges.at(-1)?.cursor ?? null,
        },
        totalCount: page.totalCount,
      };
    },
  }),
);

builder.mutationField('createSchedule', (t) =>
  t.field({
    type: ScheduleRef,
    description: 'Create a schedule, or update yours of the same name. Invalid cron, unknown time zone, every below 1000, an unknown type or invalid input: BAD_USER_INPUT naming the field, nothing stored.',
    args: { input: t.arg({ type: ScheduleInput, required: true }) },
    resolve: (_, { input }, { schedules, principal }) => schedules.create(principal, input),
  }),
);

builder.mutationField('updateSchedule', (t) =>
  t.field({
    type: ScheduleRef,
    description: 'Change a schedule; a changed timetable takes effect from its next due time.',
    args: { id: t.arg.id({ required: true }), input: t.arg({ type: ScheduleInput, required: true }) },
    resolve: (_, { id, input }, { schedules, principal }) => schedules.update(principal, String(id), input),
  }),
);

builder.mutationField('pauseSchedule', (t) =>
  t.field({
    type: ScheduleRef,
    description: 'Make no runs until resumed.',
    args: { id: t.arg.id({ required: true }) },
    resolve: (_, { id }, { schedules, principal }) => schedules.pause(principal, String(id)),
  }),
);

builder.mutationField('resumeSchedule', (t) =>
  t.field({
    type: ScheduleRef,
    description: 'Make runs again from the next due time; the times it was paused for are not made up.',
    args: { id: t.arg.id({ required: true }) },
    resolve: (_, { id }, { schedules, principal }) => schedules.resume(principal, String(id)),
  }),
);

builder.mutationField('deleteSchedule', (t) =>
  t.boolean({
    description: 'Delete a schedule; its past tasks stay.',
    args: { id: t.arg.id({ required: true }) },
    resolve: (_, { id }, { schedules, principal }) => schedules.delete(principal, String(id)),
  }),
);

builder.mutationField('triggerSchedule', (t) =>
  t.field({
    type: TaskRef,
    description: 'One run now, outside the timetable (also while paused).',
    args: { id: t.arg.id({ required: true }) },
    resolve: (_, { id }, { schedules, principal }) => schedules.trigger(principal, String(id)),
  }),
);
