/**
 * Fault 6, the soak: about a minute of mixed traffic — successes, failures, retries, cancels,
 * timeouts, scheduled tasks — through 2 API processes to 2 workers, watched by 200 subscriber
 * sockets, with one worker SIGKILLed and restarted half way. Afterwards, for every task, MongoDB's
 * final state, its event log and what its subscriber received agree, and every accepted task
 * finished.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, expect, it } from 'vitest';
import { CancelTaskDocument, EnqueueTasksDocument, type EnqueueTaskInput, type TaskEventsSubscription } from '../../schema/generated/graphql.ts';
import type { TestClient, Watched } from '../support/graphql-client.ts';
import type { TaskqlProcess } from '../support/processes.ts';
import { testEnv } from '../support/runtime.ts';
import { waitUntil, within } from '../support/wait.ts';
import { FAULT_TYPES } from './support/fault-types.ts';
import { Fleet } from './support/fleet.ts';
import { assertStories, describeStory, receivedEvents, StoredTasks, type Subscriber } from './support/stories.ts';

/** How many tasks the soak enqueues: SOAK_TASKS, else 2,100. */
const SOAK_TASKS = Number(process.env['SOAK_TASKS'] ?? 2_100);
/** Batches are enqueued this often, so that the tasks arrive over about 45 s when the servers keep up. */
const BATCH_EVERY_MS = 750;
const BATCHES = 60;
/** Batches in flight at most: when the servers fall behind, the test waits rather than piling up. */
const MAX_IN_FLIGHT = 8;
/** The longest enqueueing may take when the machine is slower than the plan. */
const MAX_TRAFFIC_MS = 120_000;
/** How long the accepted tasks may take to finish once enqueueing is over: SOAK_DRAIN_MS, else three minutes. */
const MAX_DRAIN_MS = Number(process.env['SOAK_DRAIN_MS'] ?? 180_000);
const SUBSCRIBER_SOCKETS = 200;

/** The kinds of task in the mix, what each is enqueued as, and the final state it must reach. */
const KINDS: { kind: string; input: (i: number) => EnqueueTaskInput; final: string }[] = [
  { kind: 'succeed', input: (i) => ({ type: 'echo', input: { i } }), final: 'SUCCEEDED' },
  { kind: 'progress', input: (i) => ({ type: 'sleep', input: { ms: 300 + (i % 5) * 300, steps: 3 } }), final: 'SUCCEEDED' },
  { kind: 'retry', input: () => ({ type: 'fail', input: { failAttempts: 1 }, maxAttempts: 2 }), final: 'SUCCEEDED' },
  { kind: 'fail after retry', input: () => ({ type: 'fail', input: {}, maxAttempts: 2 }), final: 'FAILED' },
  { kind: 'fail', input: () => ({ type: 'fail', input: { retryable: false } }), final: 'FAILED' },
  { kind: 'cancel', input: () => ({ type: 'sleep', input: { ms: 20_000, steps: 20 } }), final: 'CANCELLED' },
  { kind: 'timeout', input: () => ({ type: 'hang', input: { ms: 5_000 } }), final: 'FAILED' },
  { kind: 'scheduled', input: (i) => ({ type: 'echo', input: { i }, delayMs: 1000 + (i % 3) * 1000 }), final: 'SUCCEEDED' },
  { kind: 'succeed', input: (i) => ({ type: 'echo', input: { i } }), final: 'SUCCEEDED' },
  { kind: 'progress', input: () => ({ type: 'sleep', input: { ms: 500, steps: 5 } }), final: 'SUCCEEDED' },
];

const fleet = new Fleet('soak');
afterAll(() => fleet.close());

// Its own timeout: the traffic, the draining and 2,000 stories take minutes on a busy machine.
it('keeps every task’s record, event log and subscriber stream in agreement through a minute of mixed load and a worker kill', async () => {
  const env = testEnv('fault_soak', {
    WORKER_LOCK_MS: '2000',
    WORKER_HEARTBEAT_MS: '500',
    WORKER_CONCURRENCY: '20',
    CANCEL_GRACE_MS: '1000',
    // One caller drives all of it: lift the per-owner limits meant for real clients.
    RATE_LIMIT_MUTATIONS: '1000000',
    RATE_LIMIT_SUBSCRIPTIONS: '1000000',
    MAX_SOCKETS_PER_OWNER: '1000',
    MAX_SUBSCRIPTIONS_PER_SOCKET: '1000',
  });
  const stored = new StoredTasks(env);
  fleet.onClose(() => stored.close());
  const batchSize = Math.ceil(SOAK_TASKS / BATCHES);
  const imports = { imports: [FAULT_TYPES] };
  const apis = await Promise.all([fleet.start('api', env, imports), fleet.start('api', env, imports)]);
  const workers: TaskqlProcess[] = await Promise.all([fleet.start('worker', env, imports), fleet.start('worker', env, imports)]);
  const enqueuers = await Promise.all(apis.map((api) => fleet.client(api.port)));
  const sockets: TestClient[] = [];
  for (let i = 0; i < SUBSCRIBER_SOCKETS; i++) sockets.push(await fleet.client(apis[i % 2]!.port));
  fleet.log(`started 2 APIs, 2 workers and ${SUBSCRIBER_SOCKETS} subscriber sockets (half on each API); ${SOAK_TASKS} tasks to enqueue`);

  const kindOf = new Map<string, (typeof KINDS)[number]>();
  const watched = new Map<string, Watched<TaskEventsSubscription>>();
  const cancels: Promise<unknown>[] = [];
  /** What each cancelTask answered: the task's state, or the errors. */
  const cancelAnswers = new Map<string, string>();
  const refused: string[] = [];
  const inFlight = new Set<Promise<void>>();
  const enqueueBatch = async (batch: number) => {
    const first = batch * batchSize;
    const kinds = Array.from({ length: batchSize }, (_, j) => KINDS[(first + j) % KINDS.length]!);
    const result = await enqueuers[batch % 2]!.request(EnqueueTasksDocument, { inputs: kinds.map((k, j) => k.input(first + j)) });
    if (!result.data) {
      refused.push(JSON.stringify(result.errors));
      return;
    }
    result.data.enqueueTasks.forEach(({ task }, j) => {
      kindOf.set(task.id, kinds[j]!);
      // Each task is followed on a socket of the other API than the one that enqueued it.
      watched.set(task.id, sockets[(2 * (first + j) + ((batch + 1) % 2)) % SUBSCRIBER_SOCKETS]!.follow(task.id));
      if (kinds[j]!.kind === 'cancel') {
        const id = task.id;
        cancels.push(
          sleep(300 + (j % 4) * 400)
            .then(() => enqueuers[(batch + 1) % 2]!.request(CancelTaskDocument, { id, reason: 'soak' }))
            .then(
              (answer) => cancelAnswers.set(id, answer.data?.cancelTask.state ?? JSON.stringify(answer.errors)),
              (error: unknown) => cancelAnswers.set(id, `no answer: ${String(error)}`),
            ),
        );
      }
    });
  };
  let killed = false;
  const started = Date.now();
  for (let batch = 0; batch * batchSize < SOAK_TASKS && Date.now() - started < MAX_TRAFFIC_MS; batch++) {
    while (inFlight.size >= MAX_IN_FLIGHT) await Promise.race(inFlight);
    const sent: Promise<void> = enqueueBatch(batch).finally(() => inFlight.delete(sent));
    inFlight.add(sent);
    if (batch % 20 === 19) fleet.log(`${Math.round((Date.now() - started) / 1000)} s: ${kindOf.size} tasks accepted, ${inFlight.size} batches in flight`);
    if (!killed && batch * batchSize >= SOAK_TASKS / 2) {
      killed = true;
      const victim = workers[0]!;
      await fleet.kill(victim);
      fleet.log(`SIGKILLed worker pid ${victim.child.pid} after ${kindOf.size} tasks; restarting it`);
      const restarted = await fleet.start('worker', env, imports);
      fleet.log(`restarted worker: pid ${restarted.child.pid}`);
    }
    await sleep(BATCH_EVERY_MS);
  }
  await within('the last batches are answered', 60_000, Promise.all(inFlight));
  const accepted = [...kindOf.keys()];
  fleet.log(`enqueued for ${Math.round((Date.now() - started) / 1000)} s: ${accepted.length} tasks accepted, ${refused.length} batches refused`);
  expect(refused, 'refused batches').toEqual([]);
  expect(accepted.length).toBeGreaterThanOrEqual(SOAK_TASKS);

  // Each subscription completes after its task's final event: awaited here rather than polling
  // the database, whose every query but a lookup by id scans all tasks on FerretDB.
  let completed = 0;
  for (const id of accepted) void watched.get(id)!.completed.then(() => completed++, () => {});
  try {
    await waitUntil('every subscription has completed', () => completed === accepted.length, { timeoutMs: MAX_DRAIN_MS, everyMs: 500 });
  } catch (error) {
    const open = await stored.ids({ final: false, among: accepted });
    fleet.log(`${completed} of ${accepted.length} subscriptions completed; ${open.length} tasks not final: ${open.slice(0, 20).join(', ')}`);
    throw error;
  }
  await within('every cancelTask has answered', 20_000, Promise.allSettled(cancels));
  const results = await Promise.all(accepted.map((id) => watched.get(id)!.completed));
  const finished = await stored.ids({ final: true, among: accepted });
  fleet.log(`all final after ${Math.round((Date.now() - started) / 1000)} s: ${finished.length} finished of ${accepted.length} accepted`);
  expect(finished.length).toBe(accepted.length);

  const subscribers = new Map<string, Subscriber[]>(accepted.map((id, i) => [id, [{ name: 'socket on the other API', afterVersion: 0, events: receivedEvents(results[i]!) }]]));
  const checked = await assertStories(stored, subscribers);
  fleet.log(`checked ${checked} stories: record final and coherent, event log consistent, each subscriber got every recorded event in order`);

  const summary = new Map<string, Map<string, number>>();
  const wrong: string[] = [];
  let stalled = 0;
  for (const id of accepted) {
    const story = await stored.get(id);
    const kind = kindOf.get(id)!;
    const state = story?.task.state ?? 'missing';
    stalled += story?.task.attempts.filter((a) => a.outcome === 'STALLED').length ?? 0;
    const counts = summary.get(kind.kind) ?? new Map<string, number>();
    counts.set(state, (counts.get(state) ?? 0) + 1);
    summary.set(kind.kind, counts);
    const timedOut = kind.kind !== 'timeout' || story?.task.error?.name === 'TimeoutError';
    if (state !== kind.final || !timedOut) {
      const cancelled = cancelAnswers.has(id) ? `; cancelTask answered ${cancelAnswers.get(id)}` : '';
      wrong.push(`${kind.kind}: ${state} ${story?.task.error?.name ?? ''}${cancelled}\n${describeStory(id, story, subscribers.get(id) ?? [])}`);
    }
  }
  fleet.log(`outcomes: ${[...summary].map(([kind, counts]) => `${kind} ${[...counts].map(([s, n]) => `${n} ${s}`).join('/')}`).join('; ')}; ${stalled} STALLED attempts`);
  expect(wrong, 'tasks that did not end as their kind must').toEqual([]);
}, MAX_DRAIN_MS + 240_000);
