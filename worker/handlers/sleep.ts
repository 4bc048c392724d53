import { setTimeout as delay } from 'node:timers/promises';
import { sleep } from '../../src/tasks/builtin/sleep.ts';
import { defineHandler } from '../handler.ts';

/**
 * `sleep` waits in equal steps and reports progress after each. The waits take the attempt's
 * signal, so a cancel or timeout stops it at once rather than at the next step.
 */
export const sleepHandler = defineHandler(sleep, async ({ ms, steps }, { progress, signal }) => {
  for (let i = 1; i <= steps; i++) {
    const until = Math.round((ms * i) / steps);
    const from = Math.round((ms * (i - 1)) / steps);
    await delay(until - from, undefined, { signal });
    progress({ percent: (100 * i) / steps, message: `step ${i}/${steps}` });
  }
  return { sleptMs: ms };
});
