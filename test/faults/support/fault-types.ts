/**
 * Task types only the fault suite needs, registered in the API and worker processes it starts by
 * loading this module first (`startProcess(…, { imports: [FAULT_TYPES] })`): the built-ins have no
 * short timeout, and the soak needs attempts that time out.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { z } from 'zod';
import { customTaskTypes } from '../../../src/tasks/catalog.ts';
import type { AnyTaskType } from '../../../src/tasks/task-type.ts';
import type { AnyTaskHandler } from '../../../worker/handler.ts';
import { customHandlers } from '../../../worker/handlers/index.ts';
import { testTaskType } from '../../support/task-types.ts';

/** This module's path from the repository root, for `startProcess`'s `imports`. */
export const FAULT_TYPES = 'test/faults/support/fault-types.ts';

/** `hang`: waits `ms` (stopping on its signal); its attempts time out after 300 ms. */
export const hang = testTaskType({
  name: 'hang',
  description: 'Waits `ms` milliseconds; attempts time out after 300 ms.',
  input: z.object({ ms: z.number().int().min(0).max(60_000) }),
  timeoutMs: 300,
  handler: async ({ ms }, { signal }) => {
    await delay(ms, undefined, { signal });
    return { waitedMs: ms };
  },
});

// The lists are read-only to the application; a test process may add to them before anything
// reads them. (The API process loads the handler too here: this is a test, not an application.)
(customTaskTypes as AnyTaskType[]).push(hang.type);
(customHandlers as AnyTaskHandler[]).push(hang);
