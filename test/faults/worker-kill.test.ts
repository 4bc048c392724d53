/**
 * Fault 1: a worker SIGKILLed in the middle of `sleep` tasks. Its tasks finish on a restarted
 * worker, their histories show the lost attempt as STALLED, and every subscriber saw every version
 * in order — one listening live from the start, one that joined after the kill with afterVersion.
 */
import { afterAll, expect, it } from 'vitest';
import { EnqueueTasksDocument } from '../../schema/generated/graphql.ts';
import { testEnv } from '../support/runtime.ts';
import { within } from '../support/wait.ts';
import { Fleet } from './support/fleet.ts';
import { assertStories, receivedEvents, StoredTasks, type Subscriber } from './support/stories.ts';

const fleet = new Fleet('worker SIGKILL');
afterAll(() => fleet.close());

it('finishes the killed worker’s tasks on a restarted worker, with a STALLED attempt and no gap for any subscriber', async () => {
  // A short lock, so the killed worker's jobs are handed out again about two seconds later.
  const env = testEnv('fault_worker_kill', { WORKER_LOCK_MS: '2000', WORKER_HEARTBEAT_MS: '300' });
  const stored = new StoredTasks(env);
  fleet.onClose(() => stored.close());
  const api = await fleet.start('api', env);
  const victim = await fleet.start('worker', env);
  const client = await fleet.client(api.port);

  // Scheduled a moment ahead, so the live subscribers are listening before the first STARTED.
  const inputs = Array.from({ length: 6 }, () => ({ type: 'sleep', input: { ms: 3000, steps: 6 }, delayMs: 1000 }));
  const ids = (await client.data(EnqueueTasksDocument, { inputs })).enqueueTasks.map((e) => e.task.id);
  const live = ids.map((id) => client.follow(id));
  fleet.log(`enqueued ${ids.length} sleep tasks of 3 s; one live taskEvents subscriber each`);

  await within(
    'every task has reported progress on the first worker',
    20_000,
    Promise.all(live.map((w) => w.until((r) => r.data?.taskEvents.type === 'PROGRESS'))),
  );
  await fleet.kill(victim);
  fleet.log(`SIGKILLed worker pid ${victim.child.pid} mid-sleep`);
  const restarted = await fleet.start('worker', env);
  fleet.log(`started a new worker, pid ${restarted.child.pid}`);
  const late = ids.map((id) => client.follow(id, 2));

  const results = await within('every subscription completes', 30_000, Promise.all([...live, ...late].map((w) => w.completed)));
  const subscribers = new Map<string, Subscriber[]>(
    ids.map((id, i) => [
      id,
      [
        { name: 'live from the start', afterVersion: 0, events: receivedEvents(results[i]!), gapless: true },
        { name: 'joined after the kill (afterVersion 2)', afterVersion: 2, events: receivedEvents(results[ids.length + i]!) },
      ],
    ]),
  );
  const checked = await assertStories(stored, subscribers);
  fleet.log(`checked ${checked} stories: final, coherent log, both subscribers in order without gaps`);

  for (const id of ids) {
    const story = await stored.get(id);
    expect(story?.task.state, id).toBe('SUCCEEDED');
    expect(story?.task.attempts.map((a) => a.outcome), id).toEqual(['STALLED', 'SUCCEEDED']);
    expect(story?.task.attempts[0]?.workerId, id).toContain(`:${victim.child.pid}:`);
    expect(story?.task.attempts[1]?.workerId, id).toContain(`:${restarted.child.pid}:`);
  }
  fleet.log('checked: each task SUCCEEDED on the new worker after one STALLED attempt on the killed one');
});
