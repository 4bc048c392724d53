/**
 * Fixtures for tests of the task model and its store: a fixed clock, a new task (or its creation)
 * and a transition that must have been allowed.
 */
import { createTask, type NewTask, type Transition, type TransitionResult } from '../../src/model/state-machine.ts';
import type { Task } from '../../src/model/task.ts';

/** The tests' "now". */
export const t0 = new Date('2026-11-23T10:00:00.000Z');

/** `ms` after {@link t0}. */
export const at = (ms: number): Date => new Date(t0.getTime() + ms);

/** The creation of a task at `now`: an `echo` of `{ a: 1 }` with one attempt, unless `spec` says otherwise. */
export function newTaskCreation(spec: Partial<NewTask> = {}, now: Date = t0): Transition {
  const defaults: NewTask = { id: 't1', type: 'echo', queue: 'default', input: { a: 1 }, maxAttempts: 1, priority: 0, tags: [], idempotencyKey: null, owner: 'o', runAt: null, resultTtlSeconds: 0 };
  return createTask({ ...defaults, ...spec }, now);
}

/** A task just created at {@link t0} (see {@link newTaskCreation}). */
export function newTask(spec: Partial<NewTask> = {}): Task {
  return newTaskCreation(spec).task;
}

/** The transition, which the test expects the state machine to allow. */
export function ok(result: TransitionResult): Transition {
  if (!result.ok) throw new Error(result.reason);
  return result;
}
