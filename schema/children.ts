/**
 * Children spawned by handlers (`ctx.spawn`): what a task says about its parent and its children.
 * Waiting for them is `Task.waitReason` CHILDREN (`flow-control.ts`).
 */
import { builder } from './builder.ts';
import { TaskRef } from './task.ts';

builder.objectFields(TaskRef, (t) => ({
  parent: t.field({
    type: TaskRef,
    nullable: true,
    description: 'The task whose handler spawned this one (ctx.spawn); null when none did.',
    resolve: (task, _, { children, principal }) => children.parentOf(principal, task),
  }),
  children: t.field({
    type: [TaskRef],
    description: 'The tasks its handler spawned, in spawn order.',
    resolve: (task, _, { children, principal }) => children.childrenOf(principal, task),
  }),
  failParentOnChildFailure: t.exposeBoolean('failParentOnChildFailure', {
    description: 'For a child: whether its parent FAILED when it FAILED or was CANCELLED (ctx.spawn option; default false).',
  }),
}));
