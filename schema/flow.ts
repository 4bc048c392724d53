/**
 * Flows of dependent tasks: `enqueueFlow`, `cancelFlow`, `flow`, `flowUpdated`, the Flow type and
 * what a task says about its place in a flow (`flowId`, `ref`, `dependsOn`).
 */
import { ENQUEUE_LIMITS } from '../src/service/task-service.ts';
import { FLOW_STATES, flowProgress, MAX_FLOW_TASKS, type Flow } from '../src/model/flow.ts';
import { MAX_CONCURRENCY_KEY_LENGTH } from '../src/model/limits.ts';
import { DEPENDENCY_FAILURES } from '../src/model/task.ts';
import { builder } from './builder.ts';
import { TaskRef } from './task.ts';

const FlowStateEnum = builder.enumType('FlowState', {
  description: 'RUNNING while any of its tasks is unfinished; then FAILED when one FAILED, CANCELLED when one was cancelled or skipped, else SUCCEEDED.',
  values: FLOW_STATES,
});

const DependencyFailureEnum = builder.enumType('DependencyFailure', {
  description: 'What a flow task does when a task it depends on FAILED or was CANCELLED.',
  values: {
    FAIL: { description: 'It FAILED too, without running; its error names the dependency.' },
    SKIP: { description: 'It is CANCELLED without running, through a SKIPPED event that gives the reason.' },
    RUN: { description: 'It runs once all its dependencies are final; ctx.dependencies shows how each ended.' },
  } satisfies Record<(typeof DEPENDENCY_FAILURES)[number], { description: string }>,
});

const FlowTaskInput = builder.inputType('FlowTaskInput', {
  fields: (t) => ({
    ref: t.string({ required: true, description: 'Unique within the flow (letters, digits, _, . and -, at most 64); dependsOn names refs.' }),
    dependsOn: t.stringList({ description: 'The refs of the tasks this one waits for: it runs when all of them SUCCEEDED.' }),
    onDependencyFailure: t.field({ type: DependencyFailureEnum, defaultValue: 'FAIL' }),
    type: t.string({ required: true }),
    input: t.field({ type: 'JSON', description: "Validated against the type's input schema; default {}." }),
    queue: t.string({ description: "Default: the type's queue." }),
    priority: t.int({ description: '0 (default) to 10; higher starts first within a queue.' }),
    maxAttempts: t.int({ description: `Default: the type's. 1 to ${ENQUEUE_LIMITS.maxAttempts}.` }),
    tags: t.stringList({ description: "Besides the flow's tags." }),
    concurrencyKey: t.string({ description: `The key its type's limits count it under; 1 to ${MAX_CONCURRENCY_KEY_LENGTH} characters.` }),
    delayMs: t.int({ description: 'Run at least this much after the flow is submitted (at most a year).' }),
  }),
});

const EnqueueFlowInput = builder.inputType('EnqueueFlowInput', {
  fields: (t) => ({
    name: t.string(),
    tasks: t.field({ type: [FlowTaskInput], required: true, description: `1 to ${MAX_FLOW_TASKS} tasks.` }),
    tags: t.stringList({ description: 'Tags of the flow, given to each of its tasks too.' }),
    idempotencyKey: t.string({ description: "The owner's flow submitted with the same key, instead of a new one." }),
  }),
});

const FlowRef = builder.objectRef<Flow>('Flow').implement({
  description: 'Tasks that wait for each other (enqueueFlow).',
  fields: (t) => ({
    id: t.exposeID('id'),
    name: t.exposeString('name', { nullable: true }),
    state: t.expose('state', { type: FlowStateEnum }),
    version: t.exposeInt('version', { description: '1 when submitted, one more for each change of its state or progress.' }),
    tasks: t.field({
      type: [TaskRef],
      description: 'Every task of the flow, in dependency order.',
      resolve: (flow, _, { flows }) => flows.tasks(flow),
    }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    finishedAt: t.expose('finishedAt', { type: 'DateTime', nullable: true }),
    progress: t.float({ description: 'Finished tasks / all tasks, 0..1.', resolve: (flow) => flowProgress(flow) }),
  }),
});

builder.objectFields(TaskRef, (t) => ({
  flowId: t.exposeID('flowId', { nullable: true }),
  ref: t.exposeString('ref', { nullable: true, description: 'Its name within its flow.' }),
  dependsOn: t.field({
    type: [TaskRef],
    description: 'The tasks this one waits for.',
    resolve: (task, _, { flows }) => flows.dependenciesOf(task),
  }),
}));

builder.queryField('flow', (t) =>
  t.field({
    type: FlowRef,
    nullable: true,
    args: { id: t.arg.id({ required: true }) },
    resolve: (_, { id }, { flows, principal }) => flows.get(principal, String(id)),
  }),
);

builder.mutationField('enqueueFlow', (t) =>
  t.field({
    type: FlowRef,
    description: 'All tasks stored and the runnable ones queued, or none (BAD_USER_INPUT naming the task for a cycle, an unknown or duplicate ref, an unknown type or invalid input).',
    args: { input: t.arg({ type: EnqueueFlowInput, required: true }) },
    resolve: async (_, { input }, { flows, principal }) => (await flows.enqueue(principal, input)).flow,
  }),
);

builder.mutationField('cancelFlow', (t) =>
  t.field({
    type: FlowRef,
    description: 'Cancel every unfinished task of the flow (running ones through their worker, as cancelTask does).',
    args: { id: t.arg.id({ required: true }), reason: t.arg.string() },
    resolve: (_, { id, reason }, { flows, principal }) => flows.cancel(principal, String(id), reason ?? null),
  }),
);

builder.subscriptionField('flowUpdated', (t) =>
  t.field({
    type: FlowRef,
    description: 'The flow at once, then at every change of its state or progress, each version in order; completes when the flow is final.',
    args: { id: t.arg.id({ required: true }) },
    subscribe: (_, { id }, { flows, principal }) => flows.watch(principal, String(id)),
    resolve: (flow, _, { delivered }) => {
      delivered(flow.updatedAt);
      return flow;
    },
  }),
);
