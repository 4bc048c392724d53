/**
 * The task types of the flow-control scenario, loaded first into its API and worker processes
 * (`dist/bench/lib/limited-types.js`): `bench-keyed` with a concurrency limit of 5 per key, and
 * `bench-unkeyed`, the same handler without a limit. Each waits `ms` (0: returns at once).
 */
import { setTimeout as delay } from 'node:timers/promises';
import { z } from 'zod';
import { customTaskTypes } from '../../src/tasks/catalog.ts';
import { defineTaskType, type AnyTaskType } from '../../src/tasks/task-type.ts';
import { defineHandler, type AnyTaskHandler } from '../../worker/handler.ts';
import { customHandlers } from '../../worker/handlers/index.ts';

/** The per-key limit of `bench-keyed`. */
export const KEY_LIMIT = 5;

const input = z.object({ key: z.string(), ms: z.number().int().min(0) });
const wait = async ({ ms }: z.infer<typeof input>) => {
  if (ms > 0) await delay(ms);
  return null;
};

const keyed = defineTaskType({ name: 'bench-keyed', input, concurrency: { limit: KEY_LIMIT, key: ({ key }) => key } });
const unkeyed = defineTaskType({ name: 'bench-unkeyed', input });

// The lists are read-only to an application; the benchmark adds to them before anything reads them.
(customTaskTypes as AnyTaskType[]).push(keyed, unkeyed);
(customHandlers as AnyTaskHandler[]).push(defineHandler(keyed, wait), defineHandler(unkeyed, wait));
