import { setTimeout as delay } from 'node:timers/promises';
import { z } from 'zod';
import { defineTaskType } from '../../src/tasks/task-type.ts';

const MAX_MS = 3_600_000;

/**
 * `sleep`: waits `ms` in `steps` equal steps and reports progress after each. The waits take the
 * attempt's signal, so a cancel or timeout stops it at once rather than at the next step.
 */
export const sleep = defineTaskType({
  name: 'sleep',
  description: 'Waits `ms` milliseconds in `steps` equal steps, reporting progress after each.',
  input: z.object({
    ms: z.number().int().min(0).max(MAX_MS),
    steps: z.number().int().min(1).max(1000).default(10),
  }),
  // Its longest legal input, plus room for the writes around it.
  timeoutMs: MAX_MS + 60_000,
  handler: async ({ ms, steps }, { progress, signal }) => {
    for (let i = 1; i <= steps; i++) {
      const until = Math.round((ms * i) / steps);
      const from = Math.round((ms * (i - 1)) / steps);
      await delay(until - from, undefined, { signal });
      progress({ percent: (100 * i) / steps, message: `step ${i}/${steps}` });
    }
    return { sleptMs: ms };
  },
});
