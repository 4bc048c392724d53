import { z } from 'zod';
import { defineTaskType } from '../task-type.ts';

/**
 * `fail`: throws on attempts 1 … `failAttempts` (every attempt when it is absent), then succeeds.
 * For seeing retries, backoff and failure reporting work end to end.
 */
export const fail = defineTaskType({
  name: 'fail',
  description: 'Throws an Error with `message` on attempts 1…failAttempts (all when absent), then succeeds.',
  input: z.object({
    message: z.string().max(10_000).default('failure'),
    failAttempts: z.number().int().min(0).optional(),
    retryable: z.boolean().default(true),
  }),
  // Short, so demos and tests see retries quickly.
  backoff: { type: 'exponential', delayMs: 200, maxDelayMs: 5_000, jitter: 0.2 },
  timeoutMs: 10_000,
});
