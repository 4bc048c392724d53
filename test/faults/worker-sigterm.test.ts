/**
 * Fault 5: a worker SIGTERMed as in a rolling deploy. It takes no more jobs, lets attempts that end
 * within its drain period finish, and hands the longer ones back (REQUEUED, attempt STALLED) to
 * another worker: no task is lost and none runs to completion twice.
 */
import { afterAll, expect, it } from 'vitest';
import { EnqueueTasksDocument } from '../../schema/generated/graphql.ts';
import { testEnv } from '../support/runtime.ts';
import { within } from '../support/wait.ts';
import { Fleet } from './support/fleet.ts';
import { assertStories, receivedEvents, StoredTasks, type Subscriber } from './support/stories.ts';

const fleet = new Fleet('worker SIGTERM');
afterAll(() => fleet.close());

it('finishes short attempts and hands long ones back to another worker, losing none and running none twice', async () => {
  const env = testEnv('fault_worker_term', { WORKER_LOCK_MS: '2000', WORKER_HEARTBEAT_MS: '300' });
  const stored = new StoredTasks(env);
  fleet.onClose(() => stored.close());
  const api = await fleet.start('api', env);
  const leaving = await fleet.start('worker', env);
  const client = await fleet.client(api.port);

  const short = { type: 'sleep', input: { ms: 1500, steps: 3 }, delayMs: 1000 };
  const long = { type: 'sleep', input: { ms: 8000, steps: 16 }, delayMs: 1000 };
  const inputs = [short, short, short, long, long, long];
  const ids = (await client.data(EnqueueTasksDocument, { inputs })).enqueueTasks.map((e) => e.task.id);
  const [shortIds, longIds] = [ids.slice(0, 3), ids.slice(3)];
  const live = ids.map((id) => client.follow(id));
  fleet.log(`enqueued 3 sleep tasks of 1.5 s and 3 of 8 s, all taken by worker pid ${leaving.child.pid}`);
  await within('every task is running', 20_000, Promise.all(live.map((w) => w.until((r) => r.data?.taskEvents.type === 'STARTED'))));

  // The other worker starts meanwhile; a task handed back before it serves waits in the queue.
  const termAt = Date.now();
  const [, staying] = await Promise.all([
    leaving.stop().then(() => fleet.log(`SIGTERMed it; it exited after ${Date.now() - termAt} ms (drain period WORKER_DRAIN_MS, default 5000 ms) with ${leaving.child.signalCode ?? `code ${leaving.child.exitCode}`}`)), // SIGTERM; SIGKILL only after 10 s
    fleet.start('worker', env),
  ]);
  expect(leaving.child.signalCode, 'the worker exited by itself, before the SIGKILL').toBeNull();
  expect(leaving.child.exitCode).toBe(0);

  const results = await within('every subscription completes', 30_000, Promise.all(live.map((w) => w.completed)));
  const subscribers = new Map<string, Subscriber[]>(ids.map((id, i) => [id, [{ name: 'live', afterVersion: 0, events: receivedEvents(results[i]!), gapless: true }]]));
  const checked = await assertStories(stored, subscribers);
  fleet.log(`checked ${checked} stories: final, coherent, exactly one SUCCEEDED attempt, every version seen live in order`);

  for (const id of shortIds) {
    const story = await stored.get(id);
    expect(story?.task.attempts.map((a) => `${a.outcome}@${a.workerId?.split(':')[1]}`), id).toEqual([`SUCCEEDED@${leaving.child.pid}`]);
  }
  for (const id of longIds) {
    const story = await stored.get(id);
    expect(story?.task.attempts.map((a) => `${a.outcome}@${a.workerId?.split(':')[1]}`), id).toEqual([`STALLED@${leaving.child.pid}`, `SUCCEEDED@${staying.child.pid}`]);
    expect(story?.events.find((e) => e.type === 'REQUEUED')?.reason, id).toMatch(/shut down before attempt 1 finished/);
  }
  fleet.log('checked: the short tasks finished on the leaving worker; the long ones were handed back (REQUEUED) and finished on the other');
});
