/**
 * The handlers this deployment's workers run, one per declared task type (`src/tasks/catalog.ts`).
 * Add yours to `customHandlers` (docs/task-types.md).
 */
import type { AnyTaskHandler } from '../handler.ts';
import { echoHandler } from './echo.ts';
import { failHandler } from './fail.ts';
import { generateHandler } from './generate.ts';
import { sleepHandler } from './sleep.ts';

/** The built-in types' handlers. */
export const builtinHandlers: readonly AnyTaskHandler[] = [echoHandler, sleepHandler, failHandler, generateHandler];

/** Your own handlers. */
export const customHandlers: readonly AnyTaskHandler[] = [];

/** The handlers to run: the built-ins' unless configuration turns them off, and the custom ones. */
export function taskHandlers(options: { builtins: boolean }): AnyTaskHandler[] {
  return [...(options.builtins ? builtinHandlers : []), ...customHandlers];
}
