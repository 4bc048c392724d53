/**
 * The task types this deployment runs. Add yours here (see README, "Defining a task type"); the
 * API and every worker load this same list.
 */
import type { AnyTaskType } from '../../src/tasks/task-type.ts';
import { echo } from './echo.ts';
import { fail } from './fail.ts';
import { sleep } from './sleep.ts';

/** The built-in types of the contract: for demos, smoke checks and benchmarks. */
export const builtinTaskTypes = [echo, sleep, fail] as const;

/** Your own task types. */
export const customTaskTypes: readonly AnyTaskType[] = [];

/** The types to register: the custom ones, plus the built-ins unless configuration turns them off. */
export function taskTypes(options: { builtins: boolean }): AnyTaskType[] {
  return [...(options.builtins ? builtinTaskTypes : []), ...customTaskTypes];
}
