/**
 * Fault: Redis stopped while the last dependency of a waiting task finishes — its final write and
 * its dependent's release happen with Redis away (the dependency's attempt waits for the test's
 * word, given once Redis is down: `support/held-type.ts`) — then started again. The dependent is
 * released in MongoDB but its job could not be queued; once Redis is back the reconciler queues
 * it, it runs, and the flow ends SUCCEEDED with every story complete.
 */
import { access, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { EnqueueFlowDocument, FlowUpdatedDocument, type FlowTaskInput } from '../../schema/generated/graphql.ts';
import { testEnv } from '../support/runtime.ts';
import { waitUntil, within } from '../support/wait.ts';
import { assertFlowStories, receivedFlows, StoredFlows } from './support/flow-stories.ts';
import { Fleet } from './support/fleet.ts';
import { HELD_TYPE, heldFiles } from './support/held-type.ts';
import { receivedEvents, StoredTasks } from './support/stories.ts';

const fleet = new Fleet('flow Redis restart');
afterAll(() => fleet.close());

it('releases a dependent whose last dependency finished while Redis was down, once Redis is back', async () => {
  const servers = await fleet.restartableRedis();
  const { redis } = servers;
  const dir = await mkdtemp(join(tmpdir(), 'taskql-held-'));
  fleet.onClose(() => rm(dir, { recursive: true, force: true }));
  const env = testEnv('fault_flow_redis', {
    REDIS_URL: servers.redisUrl,
    WORKER_LOCK_MS: '2000',
    DEPENDENCY_TIMEOUT_MS: '1000',
    RECONCILE_INTERVAL_MS: '1000',
    RECONCILE_GRACE_MS: '2000',
  });
  const stored = new StoredTasks(env);
  const flows = new StoredFlows(env, stored);
  fleet.onClose(async () => {
    await flows.close();
    await stored.close();
  });
  const imports = { imports: [HELD_TYPE] };
  const [api] = await Promise.all([fleet.start('api', env, imports), fleet.start('worker', env, imports)]);
  const client = await fleet.client(api.port);

  const tasks: FlowTaskInput[] = [
    { ref: 'part0', type: 'echo', input: { i: 0 }, delayMs: 1000 },
    { ref: 'part1', type: 'echo', input: { i: 1 }, delayMs: 1000 },
    { ref: 'last', type: 'held', input: { dir }, dependsOn: ['part0', 'part1'] },
    { ref: 'join', type: 'echo', input: { join: true }, dependsOn: ['part0', 'part1', 'last'] },
  ];
  const { enqueueFlow } = await client.data(EnqueueFlowDocument, { input: { name: 'Redis away mid-release', tasks } });
  const watch = client.watch(FlowUpdatedDocument, { id: enqueueFlow.id });
  const followed = enqueueFlow.tasks.map((t) => client.follow(t.id));
  await within('the flowUpdated subscriber has the flow', 10_000, watch.until(() => true));
  const ids = Object.fromEntries(enqueueFlow.tasks.map((t) => [t.ref!, t.id]));
  const files = heldFiles(dir, ids['last']!);
  await waitUntil('last’s attempt runs', () => access(files.running).then(() => true, () => false), { timeoutMs: 20_000 });

  await redis.halt();
  await writeFile(files.go, '');
  fleet.log('stopped Redis while last runs, then let last return');
  await waitUntil('last is recorded SUCCEEDED in MongoDB', async () => (await stored.get(ids['last']!))?.task.state === 'SUCCEEDED', { timeoutMs: 20_000, everyMs: 100 });
  // The release follows last's final write (a moment later on a slow server): Redis stays away until it is recorded.
  await waitUntil('join is released in MongoDB', async () => (await stored.get(ids['join']!))?.task.state === 'PENDING', { timeoutMs: 20_000, everyMs: 100 });
  fleet.log('last SUCCEEDED and join was released (PENDING) with Redis down');
  await redis.resume();
  fleet.log('started Redis again on the same port and data');

  const updates = await within('flowUpdated completes', 30_000, watch.completed);
  expect(updates.at(-1)?.data?.flowUpdated).toMatchObject({ state: 'SUCCEEDED', progress: 1 });
  const released = (await stored.get(ids['join']!))!;
  const recovered = released.events.find((e) => e.type === 'REQUEUED');
  expect(recovered?.reason, 'the reconciler queued join, whose job Redis never got').toMatch(/^reconciler: /);
  fleet.log(`join: ${released.events.map((e) => e.type).join(' → ')}`);

  const results = await within('every taskEvents subscription completes', 10_000, Promise.all(followed.map((w) => w.completed)));
  const taskSubscribers = new Map(enqueueFlow.tasks.map((t, i) => [t.id, [{ name: 'connected throughout', afterVersion: 0, events: receivedEvents(results[i]!) }]]));
  await assertFlowStories(flows, new Map([[enqueueFlow.id, [{ name: 'connected throughout', fromStart: true, flows: receivedFlows(updates) }]]]), taskSubscribers);
  fleet.log('checked the flow’s story: final, consistent with its tasks, versions without a gap, every task story coherent');
});
