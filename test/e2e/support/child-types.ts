/**
 * Task types whose handlers spawn children (`ctx.spawn`), registered in the API and worker
 * processes a test starts by loading this module first (`startProcess(…, { imports: [CHILD_TYPES] })`),
 * and in a test's own stack through `childHandlers`.
 */
import { z } from 'zod';
import { customTaskTypes } from '../../../src/tasks/catalog.ts';
import type { AnyTaskType } from '../../../src/tasks/task-type.ts';
import type { AnyTaskHandler } from '../../../worker/handler.ts';
import { customHandlers } from '../../../worker/handlers/index.ts';
import { testTaskType } from '../../support/task-types.ts';

/** This module's path from the repository root, for `startProcess`'s `imports`. */
export const CHILD_TYPES = 'test/e2e/support/child-types.ts';

/** One child to spawn: its type and input, and whether its failure fails the parent. */
const childSpec = z.object({ type: z.string(), input: z.unknown().optional(), failParentOnChildFailure: z.boolean().optional() });

/**
 * `spawner`: spawns `children` in order, then waits for them. With `failFirstAttempt`, its first
 * attempt throws after spawning them all (it has 2 attempts), so the retry spawns them again.
 */
export const spawner = testTaskType({
  name: 'spawner',
  description: 'Spawns the children it is given, then waits for them.',
  input: z.object({ children: z.array(childSpec).max(100), failFirstAttempt: z.boolean().optional() }),
  maxAttempts: 2,
  backoff: { type: 'fixed', delayMs: 100 },
  handler: async ({ children, failFirstAttempt }, ctx) => {
    for (const child of children) {
      await ctx.spawn(child.type, child.input, { failParentOnChildFailure: child.failParentOnChildFailure ?? false });
    }
    if (failFirstAttempt && ctx.attempt === 1) throw new Error('the first attempt fails after spawning');
    return ctx.waitForChildren();
  },
});

/** Every child type here and its handler. */
export const childHandlers: readonly AnyTaskHandler[] = [spawner];

// The lists are read-only to the application; a test process may add to them before anything
// reads them. (The API process loads the handlers too here: this is a test, not an application.)
(customTaskTypes as AnyTaskType[]).push(...childHandlers.map((h) => h.type));
(customHandlers as AnyTaskHandler[]).push(...childHandlers);
