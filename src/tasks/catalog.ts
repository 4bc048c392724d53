/**
 * The task types this deployment declares. Add yours to `customTaskTypes` (docs/task-types.md).
 * Both processes load this list — the API to validate and list types, each worker to know what
 * it serves — while the handlers that run them live apart, in `worker/handlers/`.
 */
import { echo } from './builtin/echo.ts';
import { fail } from './builtin/fail.ts';
import { generate } from './builtin/generate.ts';
import { sleep } from './builtin/sleep.ts';
import type { ScheduleDeclaration } from './schedule-declaration.ts';
import type { AnyTaskType } from './task-type.ts';

/** The built-in types: the contract's (echo, sleep, fail) and `generate`, for demos, smoke checks and benchmarks. */
export const builtinTaskTypes: readonly AnyTaskType[] = [echo, sleep, fail, generate];

/** Your own task types. */
export const customTaskTypes: readonly AnyTaskType[] = [];

/** The types to register: the built-ins unless configuration turns them off, and the custom ones. */
export function declaredTaskTypes(options: { builtins: boolean }): AnyTaskType[] {
  return [...(options.builtins ? builtinTaskTypes : []), ...customTaskTypes];
}

/** Your schedules declared in code (docs/schedules.md); workers upsert them at start-up. */
export const declaredSchedules: readonly ScheduleDeclaration[] = [];
