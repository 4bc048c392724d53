/**
 * Test runtimes on the real servers the global setup started (or MONGO_URL / REDIS_URL). Each
 * call gets its own MongoDB database and Redis prefix, so test files can run in parallel.
 */
import { randomBytes } from 'node:crypto';
import { Queue } from 'bullmq';
import { inject } from 'vitest';
import { loadConfig, type Config } from '../../src/config.ts';
import { createLogger } from '../../src/logger.ts';
import { type TaskJobData } from '../../src/queue/task-queues.ts';
import { bullQueueName } from '../../src/queue/queue-names.ts';
import { createRedisConnection } from '../../src/redis/connections.ts';
import { startRuntime, type Runtime } from '../../src/runtime.ts';
import { builtinTaskTypes } from '../../src/tasks/catalog.ts';
import type { AnyTaskType } from '../../src/tasks/task-type.ts';

/** The variables that name a Redis: any one of them in a test's own environment replaces the run's. */
const REDIS_VARIABLES = ['REDIS_URL', 'REDIS_CLUSTER_NODES', 'REDIS_SENTINELS'];

/** Environment for a taskql process of one test: real servers, its own database and prefix. */
export function testEnv(name: string, extra: Record<string, string> = {}): Record<string, string> {
  const unique = `t_${name.replace(/\W/g, '_')}_${randomBytes(3).toString('hex')}`;
  return {
    MONGO_URL: inject('mongoUrl'),
    // A test that names a Redis of its own gets only that one.
    ...(REDIS_VARIABLES.some((name) => name in extra) ? {} : inject('redisEnv')),
    MONGO_DB: unique,
    REDIS_PREFIX: unique,
    LOG_LEVEL: process.env['TEST_LOG_LEVEL'] ?? 'silent',
    // Tests of authentication set their own credentials; everything else runs as one caller.
    AUTH_DISABLED: 'true',
    PROGRESS_INTERVAL_MS: '100',
    ...extra,
  };
}

/** The configuration `testEnv` describes. */
export function testConfig(name: string, extra: Record<string, string> = {}): Config {
  return loadConfig(testEnv(name, extra));
}

/**
 * A runtime on its own database and prefix; `close` also drops the database. `types` replaces
 * the registered task types (default: the built-ins); `now` is its clock (default: real time).
 */
export async function startTestRuntime(config: Config, types: readonly AnyTaskType[] = builtinTaskTypes, now?: () => Date): Promise<Runtime> {
  const runtime = await startRuntime(config, createLogger(config.logLevel, 'test'), types, now);
  const close = runtime.close.bind(runtime);
  runtime.close = async () => {
    // What the runtime still writes in the background would otherwise land in the dropped database.
    await runtime.flowCoordinator.settled();
    await runtime.db.dropDatabase().catch(() => {});
    await close();
  };
  return runtime;
}

/**
 * The BullMQ queue `name` of the deployment `env` describes (`testEnv`), on its Redis of any
 * topology, for tests that look at jobs; `close` also ends its connection.
 */
export function testQueue(env: Record<string, string>, name = 'default'): Queue<TaskJobData> {
  const config = loadConfig(env);
  const connection = createRedisConnection(config.redis, 'blocking', config.dependencyTimeoutMs);
  const queue = new Queue<TaskJobData>(bullQueueName(name), { connection, prefix: config.redisPrefix });
  const close = queue.close.bind(queue);
  queue.close = async () => {
    await close();
    connection.disconnect();
  };
  return queue;
}
