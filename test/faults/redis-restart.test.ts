/**
 * Fault 2: Redis stopped and started again on the same port (with its append-only file, as
 * production runs it) while tasks flow and subscribers listen. The API and the workers reconnect
 * by themselves, every accepted task reaches a final state, and both a subscriber connected
 * throughout and one that reconnects with afterVersion end with every event of its task.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, expect, it } from 'vitest';
import type { TaskEventsSubscription } from '../../schema/generated/graphql.ts';
import type { Watched } from '../support/graphql-client.ts';
import { testEnv } from '../support/runtime.ts';
import { waitUntil, within } from '../support/wait.ts';
import { Fleet } from './support/fleet.ts';
import { assertStories, receivedEvents, StoredTasks, type Subscriber } from './support/stories.ts';
import { enqueueSteadily, mixedTask } from './support/traffic.ts';

const fleet = new Fleet('Redis restart');
afterAll(() => fleet.close());

it('reconnects API and workers after a Redis restart; every accepted task finishes and every subscriber has every event', async () => {
  const servers = await fleet.restartableRedis();
  const { redis } = servers;
  const env = testEnv('fault_redis', { REDIS_URL: servers.redisUrl, WORKER_LOCK_MS: '2000', DEPENDENCY_TIMEOUT_MS: '1000' });
  const stored = new StoredTasks(env);
  fleet.onClose(() => stored.close());
  const [api] = await Promise.all([fleet.start('api', env), fleet.start('worker', env), fleet.start('worker', env)]);
  const throughout = await fleet.client(api.port);
  const leaving = await fleet.client(api.port);

  const live = new Map<string, Watched<TaskEventsSubscription>>();
  const beforeOutage = new Map<string, Watched<TaskEventsSubscription>>();
  let outage = false;
  const traffic = enqueueSteadily(throughout, {
    everyMs: 100,
    maxMs: 20_000,
    maxCount: 200,
    task: mixedTask,
    onAccepted: (id) => {
      live.set(id, throughout.follow(id));
      if (!outage) beforeOutage.set(id, leaving.follow(id));
    },
  });
  await sleep(2000);

  outage = true;
  await redis.halt();
  fleet.log(`stopped Redis with ${traffic.accepted.length} tasks accepted`);
  // The subscriber that goes away: it keeps the last version it saw of each task.
  const seenBefore = new Map([...beforeOutage].map(([id, w]) => [id, receivedEvents(w.results)]));
  await leaving.close();
  await sleep(2000);
  await redis.resume();
  const refusedInOutage = traffic.refused.length;
  fleet.log(`started Redis again on the same port; ${refusedInOutage} enqueues were refused meanwhile (${[...new Set(traffic.refused.map((r) => r.code))].join(', ') || 'none'})`);
  outage = false;
  const acceptedAtResume = traffic.accepted.length;
  await sleep(3000);
  await traffic.stop();
  expect(traffic.accepted.length, 'the API accepts tasks again after Redis is back').toBeGreaterThan(acceptedAtResume);
  expect(traffic.refused.every((r) => r.code === 'SERVICE_UNAVAILABLE'), JSON.stringify(traffic.refused)).toBe(true);

  // The subscriber comes back with a fresh socket and resumes each task after what it saw.
  const returning = await fleet.client(api.port);
  const resumed = new Map([...seenBefore].map(([id, events]) => [id, returning.follow(id, events.at(-1)?.version ?? 0)]));
  fleet.log(`${traffic.accepted.length} tasks accepted in all; a second subscriber resumes ${resumed.size} of them with afterVersion`);

  await waitUntil('every accepted task is final', async () => (await stored.ids({ final: false, among: traffic.accepted })).length === 0, { timeoutMs: 60_000, everyMs: 500 });
  const all = async (watched: Iterable<Watched<TaskEventsSubscription>>) => Promise.all([...watched].map((w) => w.completed));
  await within('every subscription completes', 20_000, Promise.all([all(live.values()), all(resumed.values())]));

  const eventsOf = (w: Watched<TaskEventsSubscription> | undefined) => receivedEvents(w?.results ?? []);
  const subscribers = new Map<string, Subscriber[]>(
    traffic.accepted.map((id) => [
      id,
      [
        { name: 'connected throughout', afterVersion: 0, events: eventsOf(live.get(id)) },
        ...(seenBefore.has(id) ? [{ name: 'left and resumed with afterVersion', afterVersion: 0, events: [...seenBefore.get(id)!, ...eventsOf(resumed.get(id))] }] : []),
      ],
    ]),
  );
  const checked = await assertStories(stored, subscribers);
  fleet.log(`checked ${checked} stories: final, coherent, every recorded event received in order by both kinds of subscriber`);
});
