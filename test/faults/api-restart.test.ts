/**
 * Fault 4: the API process SIGKILLed while clients watch tasks over graphql-ws, and started again
 * on the same port. The clients reconnect by themselves (graphql-ws retry) and resume each
 * subscription after the last version they saw, missing nothing and receiving nothing twice.
 */
import { afterAll, expect, it } from 'vitest';
import { freePort } from '../../scripts/local-servers.ts';
import { EnqueueTasksDocument } from '../../schema/generated/graphql.ts';
import { testEnv } from '../support/runtime.ts';
import { within } from '../support/wait.ts';
import { Fleet } from './support/fleet.ts';
import { assertStories, receivedEvents, StoredTasks, type Subscriber } from './support/stories.ts';

const fleet = new Fleet('API SIGKILL');
afterAll(() => fleet.close());

it('lets graphql-ws clients reconnect to a restarted API and resume with afterVersion, missing nothing', async () => {
  const env = testEnv('fault_api_restart', { PORT: String(await freePort()) });
  const stored = new StoredTasks(env);
  fleet.onClose(() => stored.close());
  const [api] = await Promise.all([fleet.start('api', env), fleet.start('worker', env)]);
  const client = await fleet.client(api.port, { reconnect: true });

  const inputs = Array.from({ length: 8 }, (_, i) => ({ type: 'sleep', input: { ms: 3000 + 250 * i, steps: 12 }, delayMs: 1000 }));
  const ids = (await client.data(EnqueueTasksDocument, { inputs })).enqueueTasks.map((e) => e.task.id);
  const watched = ids.map((id) => client.follow(id));
  fleet.log(`enqueued ${ids.length} sleep tasks of 3–5 s, each followed over one reconnecting graphql-ws client`);
  await within('every task reports progress', 20_000, Promise.all(watched.map((w) => w.until((r) => r.data?.taskEvents.type === 'PROGRESS'))));

  await fleet.kill(api);
  const before = watched.map((w) => w.results.length);
  fleet.log(`SIGKILLed the API (pid ${api.child.pid}) after ${before.reduce((a, b) => a + b)} events had arrived`);
  const restarted = await fleet.start('api', env);
  fleet.log(`restarted the API on the same port ${restarted.port} (pid ${restarted.child.pid})`);
  expect(restarted.port).toBe(api.port);

  const results = await within('every subscription completes after the reconnect', 30_000, Promise.all(watched.map((w) => w.completed)));
  const after = results.reduce((n, r, i) => n + r.length - before[i]!, 0);
  fleet.log(`the client reconnected and received ${after} more events`);
  const subscribers = new Map<string, Subscriber[]>(ids.map((id, i) => [id, [{ name: 'reconnecting', afterVersion: 0, events: receivedEvents(results[i]!) }]]));
  const checked = await assertStories(stored, subscribers);
  fleet.log(`checked ${checked} stories: every recorded event received once, in order, ending with SUCCEEDED`);
});
