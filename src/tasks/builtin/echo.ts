import { z } from 'zod';
import { defineTaskType } from '../task-type.ts';

/** `echo`: returns its input unchanged, at once. For smoke checks and benchmarks. */
export const echo = defineTaskType({
  name: 'echo',
  description: 'Returns its input (any JSON object) unchanged, at once.',
  input: z.record(z.string(), z.unknown()),
  timeoutMs: 10_000,
});
