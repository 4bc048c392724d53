import { z } from 'zod';
import { defineTaskType } from '../task-type.ts';

/** The longest sleep the contract allows. */
const MAX_SLEEP_MS = 3_600_000;

/** `sleep`: waits `ms` in `steps` equal steps and reports progress after each. */
export const sleep = defineTaskType({
  name: 'sleep',
  description: 'Waits `ms` milliseconds in `steps` equal steps, reporting progress after each.',
  input: z.object({
    ms: z.number().int().min(0).max(MAX_SLEEP_MS),
    steps: z.number().int().min(1).max(1000).default(10),
  }),
  // Its longest legal input, plus room for the writes around it.
  timeoutMs: MAX_SLEEP_MS + 60_000,
});
