/**
 * Fault: the worker completing a parent's last child is SIGKILLed after the child's final write
 * and before it settles the parent (it kills itself when it hears the child's final event, which
 * is published between the two: `support/die-after-final.ts`). A restarted worker's child
 * reconciler finds the parent left WAITING for its children and settles it; the parent's and every
 * child's story is complete, and the parent's live subscriber saw every version.
 */
import { createInterface } from 'node:readline';
import { afterAll, expect, it } from 'vitest';
import { EnqueueTaskDocument, TaskFamilyDocument } from '../../schema/generated/graphql.ts';
import { testEnv } from '../support/runtime.ts';
import { within } from '../support/wait.ts';
import { CHILD_TYPES } from '../e2e/support/child-types.ts';
import { DIE_AFTER_FINAL } from './support/die-after-final.ts';
import { Fleet } from './support/fleet.ts';
import { assertStories, receivedEvents, StoredTasks, type Subscriber } from './support/stories.ts';

const fleet = new Fleet('children worker SIGKILL');
afterAll(() => fleet.close());

it('settles a parent whose last child’s worker died between the child’s final write and the parent’s settling', async () => {
  // One slot, so the children run in spawn order and the marked one is the last.
  const env = testEnv('fault_children_kill', {
    WORKER_CONCURRENCY: '1',
    WORKER_LOCK_MS: '2000',
    WORKER_HEARTBEAT_MS: '300',
    RECONCILE_INTERVAL_MS: '1000',
    RECONCILE_GRACE_MS: '2000',
  });
  const stored = new StoredTasks(env);
  fleet.onClose(() => stored.close());
  const api = await fleet.start('api', env, { imports: [CHILD_TYPES] });
  const victim = await fleet.start('worker', { ...env, FAULT_DIE_AFTER_FINAL_INPUT: 'last' }, { imports: [CHILD_TYPES, DIE_AFTER_FINAL] });
  const victimExit = new Promise<NodeJS.Signals | null>((resolve) => victim.child.once('exit', (_code, signal) => resolve(signal)));
  const client = await fleet.client(api.port);

  const children = [{ type: 'echo', input: { n: 1 } }, { type: 'echo', input: { n: 2 } }, { type: 'echo', input: { last: true } }];
  const input = { type: 'spawner', input: { children }, delayMs: 1000 };
  const parentId = (await client.data(EnqueueTaskDocument, { input })).enqueueTask.task.id;
  const followed = client.follow(parentId);
  fleet.log(`enqueued a spawner of 3 children on worker pid ${victim.child.pid}, which dies when the last child's final state is published`);

  expect(await within('the victim worker dies', 20_000, victimExit)).toBe('SIGKILL');
  const parent = (await stored.get(parentId))!.task;
  const ids = (await stored.ids()).filter((id) => id !== parentId);
  const lastChild = (await Promise.all(ids.map((id) => stored.get(id)))).find((c) => (c?.task.input as { last?: boolean }).last === true);
  // The window was hit: the last child's final write is in, the parent's settling is not.
  expect(ids).toHaveLength(3);
  expect(lastChild?.task.state).toBe('SUCCEEDED');
  expect(parent).toMatchObject({ state: 'WAITING', waitingForChildren: true });
  fleet.log(`worker pid ${victim.child.pid} SIGKILLed itself after recording the last child SUCCEEDED; the parent is WAITING`);

  const restarted = await fleet.start('worker', env, { imports: [CHILD_TYPES] });
  fleet.log(`started a new worker, pid ${restarted.child.pid}`);
  // The reconciler logs after its settling is published: the line may follow the parent's final event.
  const settledBy = new RegExp(`"taskId":"${parentId}".*child reconciler settled a parent`);
  const logged = new Promise<void>((resolve) => {
    if (settledBy.test(restarted.tail())) resolve();
    createInterface({ input: restarted.child.stdout! }).on('line', (line) => settledBy.test(line) && resolve());
  });
  const events = await within('the parent’s taskEvents subscription completes', 30_000, followed.completed);
  await within('the new worker logs that its child reconciler settled the parent', 10_000, logged);
  const { task } = await client.data(TaskFamilyDocument, { id: parentId });
  expect(task).toMatchObject({ state: 'SUCCEEDED', result: { children: [{ result: { n: 1 } }, { result: { n: 2 } }, { result: { last: true } }] } });
  fleet.log('the new worker’s child reconciler settled the parent: SUCCEEDED with its 3 children’s results');

  const subscribers = new Map<string, Subscriber[]>([
    [parentId, [{ name: 'live from the start', afterVersion: 0, events: receivedEvents(events), gapless: true }]],
    ...ids.map((id): [string, Subscriber[]] => [id, []]),
  ]);
  expect(await assertStories(stored, subscribers)).toBe(4);
  fleet.log('checked 4 stories: the parent’s and each child’s final and coherent, the parent’s subscriber in order without gaps');
});
