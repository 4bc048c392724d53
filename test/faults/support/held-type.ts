/**
 * `held`: a task type whose attempt waits for the test's word before it returns, registered in
 * the processes a fault test starts (`startProcess(…, { imports: [HELD_TYPE] })`). The handler
 * writes `<dir>/<task id>.running` when it starts and returns once `<dir>/<task id>.go` exists,
 * so a test breaks something (stops Redis) knowing that the attempt's final write comes after.
 */
import { access, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { z } from 'zod';
import { customTaskTypes } from '../../../src/tasks/catalog.ts';
import type { AnyTaskType } from '../../../src/tasks/task-type.ts';
import type { AnyTaskHandler } from '../../../worker/handler.ts';
import { customHandlers } from '../../../worker/handlers/index.ts';
import { testTaskType } from '../../support/task-types.ts';

/** This module's path from the repository root, for `startProcess`'s `imports`. */
export const HELD_TYPE = 'test/faults/support/held-type.ts';

/** The file a held task writes when its attempt runs, and the one that lets it return. */
export function heldFiles(dir: string, taskId: string): { running: string; go: string } {
  return { running: join(dir, `${taskId}.running`), go: join(dir, `${taskId}.go`) };
}

export const held = testTaskType({
  name: 'held',
  description: 'Waits until the test lets it return (a file in `dir`).',
  input: z.object({ dir: z.string() }),
  handler: async ({ dir }, { taskId, signal }) => {
    const files = heldFiles(dir, taskId);
    await writeFile(files.running, '');
    for (;;) {
      try {
        await access(files.go);
        return { held: true };
      } catch {
        await delay(20, undefined, { signal });
      }
    }
  },
});

// As in fault-types.ts: a test process may add to the lists before anything reads them.
(customTaskTypes as AnyTaskType[]).push(held.type);
(customHandlers as AnyTaskHandler[]).push(held);
