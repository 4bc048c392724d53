/**
 * A schedule declared in code, for the processes of `schedules.test.ts` (loaded first with
 * `startProcess(…, { imports: [DECLARED_SCHEDULE] })`): `echo` every second, each run allowed to
 * overlap the previous, so every due time makes a task.
 */
import { echo } from '../../../src/tasks/builtin/echo.ts';
import { declaredSchedules } from '../../../src/tasks/catalog.ts';
import type { ScheduleDeclaration } from '../../../src/tasks/schedule-declaration.ts';

/** This module's path from the repository root, for `startProcess`'s `imports`. */
export const DECLARED_SCHEDULE = 'test/e2e/support/declared-schedule.ts';

/** The declared schedule's name. */
export const EVERY_SECOND = 'every-second';

// The list is read-only to the application; a test process may add to it before anything reads it.
(declaredSchedules as ScheduleDeclaration[]).push({ name: EVERY_SECOND, type: echo, input: { beat: true }, every: 1000, overlap: 'ALLOW' });
