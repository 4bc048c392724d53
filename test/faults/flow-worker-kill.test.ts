/**
 * Fault: the worker completing the last dependency of a waiting task is SIGKILLed after the
 * dependency's final write and before it releases the dependent (it kills itself when it hears
 * its own final event, which is published between the two: `support/die-after-final.ts`). A
 * restarted worker's flow reconciler finds the task left WAITING, releases it, and the flow ends
 * SUCCEEDED; every story — the flow's, its subscriber's and each task's — is complete.
 */
import { afterAll, expect, it } from 'vitest';
import { EnqueueFlowDocument, FlowUpdatedDocument, type FlowTaskInput } from '../../schema/generated/graphql.ts';
import { testEnv } from '../support/runtime.ts';
import { within } from '../support/wait.ts';
import { DIE_AFTER_FINAL } from './support/die-after-final.ts';
import { assertFlowStories, receivedFlows, StoredFlows } from './support/flow-stories.ts';
import { Fleet } from './support/fleet.ts';
import { receivedEvents, StoredTasks } from './support/stories.ts';

const fleet = new Fleet('flow worker SIGKILL');
afterAll(() => fleet.close());

it('releases a dependent whose last dependency’s worker died between the final write and the release', async () => {
  const env = testEnv('fault_flow_kill', { WORKER_LOCK_MS: '2000', WORKER_HEARTBEAT_MS: '300', RECONCILE_INTERVAL_MS: '1000', RECONCILE_GRACE_MS: '2000' });
  const stored = new StoredTasks(env);
  const flows = new StoredFlows(env, stored);
  fleet.onClose(async () => {
    await flows.close();
    await stored.close();
  });
  const api = await fleet.start('api', env);
  const victim = await fleet.start('worker', { ...env, FAULT_DIE_AFTER_FINAL_REF: 'last' }, { imports: [DIE_AFTER_FINAL] });
  const victimExit = new Promise<NodeJS.Signals | null>((resolve) => victim.child.once('exit', (_code, signal) => resolve(signal)));
  const client = await fleet.client(api.port);

  // A chord whose last member waits for the others, so it is surely the dependency the join
  // waits for last; the group starts a moment ahead, once the subscribers listen.
  const group = Array.from({ length: 3 }, (_, i): FlowTaskInput => ({ ref: `part${i}`, type: 'echo', input: { i }, delayMs: 1000 }));
  const parts = group.map((t) => t.ref);
  const tasks: FlowTaskInput[] = [
    ...group,
    { ref: 'last', type: 'echo', input: { last: true }, dependsOn: parts },
    { ref: 'join', type: 'echo', input: { join: true }, dependsOn: [...parts, 'last'] },
  ];
  const { enqueueFlow } = await client.data(EnqueueFlowDocument, { input: { name: 'killed mid-release', tasks } });
  const watch = client.watch(FlowUpdatedDocument, { id: enqueueFlow.id });
  const followed = enqueueFlow.tasks.map((t) => client.follow(t.id));
  await within('the flowUpdated subscriber has the flow', 10_000, watch.until(() => true));
  const ids = Object.fromEntries(enqueueFlow.tasks.map((t) => [t.ref!, t.id]));
  fleet.log(`enqueued a flow of 3 parts → last → join on worker pid ${victim.child.pid}, which dies when last's final state is published`);

  expect(await within('the victim worker dies', 20_000, victimExit)).toBe('SIGKILL');
  const last = await stored.get(ids['last']!);
  const join = await stored.get(ids['join']!);
  // The window was hit: the dependency's final write is in, the release is not.
  expect(last?.task.state).toBe('SUCCEEDED');
  expect(last?.task.attempts.map((a) => a.workerId?.includes(`:${victim.child.pid}:`))).toEqual([true]);
  expect(join?.task.state, 'join is still WAITING after the kill').toBe('WAITING');
  fleet.log(`worker pid ${victim.child.pid} SIGKILLed itself after recording last SUCCEEDED; join is WAITING`);

  const restarted = await fleet.start('worker', env);
  fleet.log(`started a new worker, pid ${restarted.child.pid}`);
  const updates = await within('flowUpdated completes', 30_000, watch.completed);
  expect(updates.at(-1)?.data?.flowUpdated).toMatchObject({ state: 'SUCCEEDED', progress: 1 });
  expect(restarted.tail()).toMatch(new RegExp(`"taskId":"${ids['join']}".*flow reconciler decided a task`));
  fleet.log('the new worker’s flow reconciler released join; the flow SUCCEEDED');

  const results = await within('every taskEvents subscription completes', 10_000, Promise.all(followed.map((w) => w.completed)));
  const taskSubscribers = new Map(enqueueFlow.tasks.map((t, i) => [t.id, [{ name: 'live from the start', afterVersion: 0, events: receivedEvents(results[i]!) }]]));
  await assertFlowStories(flows, new Map([[enqueueFlow.id, [{ name: 'live from the start', fromStart: true, flows: receivedFlows(updates) }]]]), taskSubscribers);
  fleet.log('checked the flow’s story: final, consistent with its tasks, versions 1… without a gap in the log and for its subscriber, every task story coherent');
});
