/**
 * Task types with flow-control limits keyed by tenant, for the tests of limits across worker
 * processes. Each attempt writes its start and its end to a Redis list (`log`), stamped with
 * Redis's clock — the clock the limiter uses — so the test can line up attempts of every process.
 * Loaded first in the API and worker processes (`startProcess(…, { imports: [LIMITED_TYPES] })`);
 * an in-process stack takes `limitedHandlers`.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { Cluster, Redis } from 'ioredis';
import { z } from 'zod';
import { customTaskTypes } from '../../src/tasks/catalog.ts';
import type { AnyTaskType } from '../../src/tasks/task-type.ts';
import type { AnyTaskHandler } from '../../worker/handler.ts';
import { customHandlers } from '../../worker/handlers/index.ts';
import { testTaskType } from './task-types.ts';

/** This module's path from the repository root, for `startProcess`'s `imports`. */
export const LIMITED_TYPES = 'test/support/limited-types.ts';

/** One line of an attempt log. */
export interface AttemptMark {
  taskId: string;
  tenant: string;
  mark: 'start' | 'end';
  /** Redis's clock, in milliseconds. */
  atMs: number;
}

/** Where the attempt log is: a Redis server, or with `cluster` a node of the Redis Cluster the log key lives on. */
const logPlace = z.object({ redisUrl: z.string(), key: z.string(), cluster: z.boolean().optional() });
const input = z.object({ tenant: z.string(), ms: z.number().int().min(0).max(60_000), log: logPlace });
type LimitedInput = z.infer<typeof input>;

/** A connection to the log's Redis: a cluster client follows the key to its node. */
function logConnection(log: z.infer<typeof logPlace>): Redis | Cluster {
  return log.cluster ? new Cluster([log.redisUrl]) : new Redis(log.redisUrl);
}

const connections = new Map<string, Redis | Cluster>();
async function mark({ tenant, log }: LimitedInput, taskId: string, which: AttemptMark['mark']): Promise<void> {
  let redis = connections.get(log.redisUrl);
  if (!redis) {
    redis = logConnection(log);
    connections.set(log.redisUrl, redis);
  }
  const [seconds, micros] = await redis.time();
  const line: AttemptMark = { taskId, tenant, mark: which, atMs: Number(seconds) * 1000 + Math.floor(Number(micros) / 1000) };
  await redis.rpush(log.key, JSON.stringify(line));
}

async function logged(value: LimitedInput, ctx: { taskId: string; signal: AbortSignal }): Promise<string> {
  await mark(value, ctx.taskId, 'start');
  await delay(value.ms, undefined, { signal: ctx.signal });
  await mark(value, ctx.taskId, 'end');
  return value.tenant;
}

/** At most 2 attempts running per tenant. */
export const tenantLimited = testTaskType({
  name: 'tenant-limited',
  input,
  concurrency: { limit: 2, key: ({ tenant }) => tenant },
  handler: logged,
});

/** At most 5 attempts started per second per tenant. */
export const tenantRated = testTaskType({
  name: 'tenant-rated',
  input,
  rateLimit: { max: 5, perMs: 1000, key: ({ tenant }) => tenant },
  handler: logged,
});

/** Both types' handlers, for an in-process stack. */
export const limitedHandlers: readonly AnyTaskHandler[] = [tenantLimited, tenantRated];

/** The attempt log under `key`, as the handlers wrote it (`cluster`: `redisUrl` is a node of a Redis Cluster). */
export async function readMarks(redisUrl: string, key: string, cluster = false): Promise<AttemptMark[]> {
  const redis = logConnection({ redisUrl, key, cluster });
  try {
    return (await redis.lrange(key, 0, -1)).map((line) => JSON.parse(line) as AttemptMark);
  } finally {
    redis.disconnect();
  }
}

/** The most attempts of one tenant that were running at once, per tenant (an end at the same instant as a start counts first). */
export function mostAtOnce(marks: readonly AttemptMark[]): Map<string, number> {
  const most = new Map<string, number>();
  const now = new Map<string, number>();
  const sorted = [...marks].sort((a, b) => a.atMs - b.atMs || (a.mark === 'end' ? -1 : 1));
  for (const m of sorted) {
    const running = (now.get(m.tenant) ?? 0) + (m.mark === 'start' ? 1 : -1);
    now.set(m.tenant, running);
    most.set(m.tenant, Math.max(most.get(m.tenant) ?? 0, running));
  }
  return most;
}

// The lists are read-only to the application; a test process may add to them before anything
// reads them. (The API process loads the handlers too here: this is a test, not an application.)
(customTaskTypes as AnyTaskType[]).push(tenantLimited.type, tenantRated.type);
(customHandlers as AnyTaskHandler[]).push(...limitedHandlers);
