/**
 * Fault 3: the MongoDB-compatible server stopped and started again on the same port and data
 * while clients enqueue. Mutations in the outage fail fast with SERVICE_UNAVAILABLE; no BullMQ job
 * exists for a task that was not stored; every accepted task finishes once the server is back
 * (the worker hands jobs it could not record back to BullMQ; the reconciler repairs any task left
 * without a job).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, expect, inject, it } from 'vitest';
import { startLocalServers } from '../../scripts/local-servers.ts';
import { testEnv, testQueue } from '../support/runtime.ts';
import { waitUntil } from '../support/wait.ts';
import { Fleet } from './support/fleet.ts';
import { assertStories, StoredTasks } from './support/stories.ts';
import { enqueueSteadily, mixedTask } from './support/traffic.ts';

const TIMEOUT_MS = 1000;
/** What "fast" allows beyond the configured timeout: one HTTP round trip and scheduling noise. */
const MARGIN_MS = 2000;

const fleet = new Fleet('MongoDB restart');
afterAll(() => fleet.close());

it('answers SERVICE_UNAVAILABLE fast while MongoDB is down, leaves no job without a task, and finishes every accepted task', async () => {
  // persistMongo: a mongo-java-server keeps its data in a file, which the restart opens again.
  const servers = await startLocalServers({ env: inject('redisEnv'), persistMongo: true });
  fleet.onClose(() => servers.stop());
  const mongo = servers.mongo;
  if (!mongo) throw new Error('the fault suite needs a MongoDB-compatible server it starts and can restart (FerretDB or mongo-java-server)');
  const env = testEnv('fault_mongo', {
    MONGO_URL: servers.mongoUrl,
    DEPENDENCY_TIMEOUT_MS: String(TIMEOUT_MS),
    WORKER_LOCK_MS: '2000',
    RECONCILE_INTERVAL_MS: '1000',
    RECONCILE_GRACE_MS: '2000',
  });
  const stored = new StoredTasks(env);
  const queue = testQueue(env);
  fleet.onClose(async () => {
    await queue.close();
    await stored.close();
  });
  const [api] = await Promise.all([fleet.start('api', env), fleet.start('worker', env)]);
  const client = await fleet.client(api.port);

  const traffic = enqueueSteadily(client, { everyMs: 100, maxMs: 20_000, maxCount: 200, task: mixedTask });
  await sleep(2000);
  await mongo.halt();
  const acceptedBefore = traffic.accepted.length;
  fleet.log(`stopped ${inject('mongoServer')} with ${acceptedBefore} tasks accepted; enqueueing goes on`);
  await sleep(3000);
  const refusedInOutage = [...traffic.refused];
  await mongo.resume();
  fleet.log(`started ${inject('mongoServer')} again on the same port and data after ${refusedInOutage.length} refused enqueues`);

  expect(refusedInOutage.length, 'enqueues were refused while MongoDB was down').toBeGreaterThan(0);
  const slowest = Math.max(...refusedInOutage.map((r) => r.ms));
  fleet.log(`refusals: ${[...new Set(refusedInOutage.map((r) => r.code))].join(', ')}; slowest answer ${Math.round(slowest)} ms (DEPENDENCY_TIMEOUT_MS ${TIMEOUT_MS})`);
  expect(refusedInOutage.every((r) => r.code === 'SERVICE_UNAVAILABLE'), JSON.stringify(refusedInOutage)).toBe(true);
  expect(slowest, 'no refused mutation hangs past the timeout').toBeLessThan(TIMEOUT_MS + MARGIN_MS);

  // Jobs first: an enqueue stores its task before it queues the job, so every job read here must
  // have its task among those read next, even while enqueues go on.
  const jobs = await queue.getJobs(['waiting', 'prioritized', 'active', 'delayed', 'paused']);
  const storedIds = new Set(await stored.ids());
  const orphans = jobs.filter((job) => !storedIds.has(job.data.taskId));
  fleet.log(`right after the restart: ${jobs.length} jobs in BullMQ, ${storedIds.size} tasks stored, ${orphans.length} jobs without a task`);
  expect(orphans.map((j) => j.data.taskId), 'jobs whose task was not stored').toEqual([]);

  await sleep(2000);
  await traffic.stop();
  expect(traffic.accepted.length, 'the API accepts tasks again after MongoDB is back').toBeGreaterThan(acceptedBefore);
  expect(new Set(await stored.ids()), 'every accepted task is stored, nothing else').toEqual(new Set(traffic.accepted));

  await waitUntil('every accepted task is final', async () => (await stored.ids({ final: false, among: traffic.accepted })).length === 0, { timeoutMs: 60_000, everyMs: 500 });
  const checked = await assertStories(stored, new Map(traffic.accepted.map((id) => [id, []])));
  const leftJobs = await queue.getJobCounts('waiting', 'prioritized', 'active', 'delayed', 'paused');
  fleet.log(`checked ${checked} stories: every accepted task final with a coherent record; jobs left in BullMQ: ${JSON.stringify(leftJobs)}`);
  expect(Object.values(leftJobs).reduce((a, b) => a + b, 0), 'jobs left after every task finished').toBe(0);
});
