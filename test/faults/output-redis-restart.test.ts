/**
 * Redis stopped and started again (with its append-only file) while a task streams output: the
 * worker's batches reach MongoDB while their publishes fail, and a subscriber on another API
 * process than the one that enqueued still gets every chunk exactly once, in order, with no gap —
 * what it missed over Redis it reads from MongoDB once the subscription is back.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, expect, it } from 'vitest';
import { EnqueueTaskDocument, TaskDocument, TaskOutputStreamDocument } from '../../schema/generated/graphql.ts';
import { generatedToken } from '../../src/tasks/builtin/generate.ts';
import { testEnv } from '../support/runtime.ts';
import { within } from '../support/wait.ts';
import { Fleet } from './support/fleet.ts';

const WORDS = 2_000;
const RATE = 250;

const fleet = new Fleet('output Redis restart');
afterAll(() => fleet.close());

it('gives a subscriber on another API process every chunk once, in order, across a Redis restart', async () => {
  const servers = await fleet.restartableRedis();
  const { redis } = servers;
  // The default lock period outlasts the outage, so the attempt is not taken for stalled.
  const env = testEnv('fault_output_redis', { REDIS_URL: servers.redisUrl, DEPENDENCY_TIMEOUT_MS: '1000' });
  const [api1, api2] = await Promise.all([fleet.start('api', env), fleet.start('api', env), fleet.start('worker', env)]);
  const enqueuer = await fleet.client(api1.port);
  const watcher = await fleet.client(api2.port);

  const { enqueueTask } = await enqueuer.data(EnqueueTaskDocument, { input: { type: 'generate', input: { words: WORDS, rate: RATE, seed: 3 } } });
  const id = enqueueTask.task.id;
  const watched = watcher.watch(TaskOutputStreamDocument, { id });
  await watched.until((r) => (r.data?.taskOutput.seq ?? 0) >= 250);

  await redis.halt();
  fleet.log(`stopped Redis at chunk ${watched.results.at(-1)?.data?.taskOutput.seq}`);
  await sleep(2000);
  await redis.resume();
  fleet.log('started Redis again on the same port');

  const results = await within('the output stream completes', 60_000, watched.completed);
  const chunks = results.map((r) => r.data!.taskOutput);
  expect(chunks.map((c) => c.seq)).toEqual(Array.from({ length: WORDS }, (_, i) => i + 1));
  expect(chunks.map((c) => c.data)).toEqual(Array.from({ length: WORDS }, (_, i) => generatedToken(3, i)));
  const { task } = await enqueuer.data(TaskDocument, { id });
  expect(task).toMatchObject({ state: 'SUCCEEDED', attempt: 1 });
});
