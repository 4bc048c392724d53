/**
 * Task types for tests: a declaration and its handler written together, as a test wants them
 * (applications keep the two apart: declarations in `src/tasks/`, handlers in `worker/handlers/`).
 */
import { defineTaskType, type TaskTypeOptions } from '../../src/tasks/task-type.ts';
import { defineHandler, type TaskHandler, type TaskHandlerDefinition } from '../../worker/handler.ts';

/** Declare a type and define its handler in one go; the result's `type` is the declaration. */
export function testTaskType<I, R = unknown>(options: TaskTypeOptions<I, R> & { handler: TaskHandler<I, R> }): TaskHandlerDefinition<I, R> {
  const { handler, ...declaration } = options;
  return defineHandler(defineTaskType(declaration), handler);
}
