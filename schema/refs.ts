/**
 * Object types that another schema file refers to before the file that implements them: a Task
 * lists its events (`task.ts`) and an event carries its task (`task-event.ts`). Declared here,
 * implemented in their own files, so schema files import one way.
 */
import type { TaskEventWithTask } from '../src/model/task.ts';
import { builder } from './builder.ts';

/** `TaskEvent`, implemented in `task-event.ts`. */
export const TaskEventRef = builder.objectRef<TaskEventWithTask>('TaskEvent');
