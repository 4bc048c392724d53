/**
 * Finding and watching many tasks on the real servers: paginated, filtered lists; live feeds
 * filtered before any GraphQL work; coalesced queue statistics; the worker registry; and the
 * reconciler repairing tasks made inconsistent on purpose.
 */
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  EnqueueTasksDocument,
  QueuesDocument,
  QueueStatsUpdatedDocument,
  TaskFeedDocument,
  TasksDocument,
  TaskUpdatedDocument,
  WorkersDocument,
  type TasksQuery,
} from '../../schema/generated/graphql.ts';
import { startAttempt } from '../../src/model/state-machine.ts';
import type { TaskDocument } from '../../src/store/task-document.ts';
import { filterQuery, sortOf } from '../../src/store/task-query.ts';
import { bullQueueName } from '../../src/queue/queue-names.ts';
import type { Runtime } from '../../src/runtime.ts';
import { reconcilerChore } from '../../worker/reconciler.ts';
import { TestClient } from '../support/graphql-client.ts';
import { errorCode, startStack, type Stack } from '../support/stack.ts';
import { waitUntil } from '../support/wait.ts';
import { ANONYMOUS } from '../../src/auth/principal.ts';

/** What serves the tests: only MongoDB plans queries with indexes (docs/test-servers.md). */
const mongoServer = inject('mongoServer');

describe('tasks: filtered, paginated lists', () => {
  /** An API with no worker: listed tasks stay where the test puts them. */
  let api: Stack;
  const ids: string[] = []; // in creation order

  beforeAll(async () => {
    // Workers are configured to serve the two queues the tasks are spread over.
    api = await startStack('lists', { worker: false, env: { WORKER_QUEUES: 'even,odd' } });
    for (let i = 0; i < 25; i++) {
      const { task } = await api.runtime.tasks.enqueue(ANONYMOUS, {
        type: i % 5 === 0 ? 'sleep' : 'echo',
        input: i % 5 === 0 ? { ms: 1 } : {},
        queue: i % 2 === 0 ? 'even' : 'odd',
        tags: i % 3 === 0 ? ['third', 'all'] : ['all'],
      });
      ids.push(task.id);
    }
    for (const id of ids.slice(0, 4)) await api.runtime.tasks.cancel(ANONYMOUS, id, 'for the list');
  });
  afterAll(async () => {
    await api?.close();
  });

  const list = async (variables: Parameters<TestClient['data']>[1] & object) => (await api.client.data(TasksDocument, variables)).tasks;
  const idsOf = (page: TasksQuery['tasks']) => page.edges.map((e) => e.node.id);

  it('pages newest first by keyset, unaffected by tasks added between pages', async () => {
    const first = await list({ first: 10 });
    expect(first.totalCount).toBe(25);
    expect(idsOf(first)).toEqual([...ids].reverse().slice(0, 10));
    expect(first.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: false });

    const added = await api.runtime.tasks.enqueue(ANONYMOUS, { type: 'echo', queue: 'even' });
    const second = await list({ first: 10, after: first.pageInfo.endCursor });
    expect(idsOf(second)).toEqual([...ids].reverse().slice(10, 20));
    expect(second.pageInfo.hasPreviousPage).toBe(true);
    const third = await list({ first: 10, after: second.pageInfo.endCursor });
    expect(idsOf(third)).toEqual([...ids].reverse().slice(20));
    expect(third.pageInfo.hasNextPage).toBe(false);
    expect((await list({ first: 1 })).edges[0]?.node.id).toBe(added.task.id);
    await api.runtime.tasks.cancel(ANONYMOUS, added.task.id, null);
  });

  it('pages oldest first too', async () => {
    const first = await list({ first: 7, orderBy: 'CREATED_AT_ASC' });
    const next = await list({ first: 7, orderBy: 'CREATED_AT_ASC', after: first.pageInfo.endCursor });
    expect([...idsOf(first), ...idsOf(next)]).toEqual(ids.slice(0, 14));
  });

  it('filters by state, type, queue, tags (all of them) and creation time', async () => {
    const count = async (filter: object) => (await list({ first: 500, filter })).totalCount;
    expect(await count({ states: ['CANCELLED'] })).toBe(5); // 4 above, and the one added mid-paging
    expect(await count({ states: ['PENDING'], types: ['sleep'] })).toBe(4); // sleeps at 5, 10, 15, 20
    expect(await count({ queues: ['odd'] })).toBe(12);
    expect(await count({ tags: ['third', 'all'] })).toBe(9);
    expect(await count({ tags: ['third', 'missing'] })).toBe(0);
    const middle = await api.runtime.store.get({ id: ids[12]!, owner: null });
    expect(await count({ createdAfter: middle?.createdAt.toISOString(), types: ['echo', 'sleep'], queues: ['even', 'odd'] })).toBeLessThanOrEqual(13);
    const page = await list({ first: 500, filter: { queues: ['even'], tags: ['third'] } });
    expect(page.edges.every((e) => e.node.queue === 'even' && e.node.tags.includes('third'))).toBe(true);
  });

  // Neither test server can show index use: FerretDB's SQLite backend scans for every query, and
  // mongo-java-server has no `explain` command at all; test/unit/task-query.test.ts
  // checks the index shapes instead, and this test checks MongoDB's plans where the suite runs
  // on MongoDB (MONGO_URL).
  it.skipIf(mongoServer !== 'MongoDB')(`has MongoDB use an index for each filter (MongoDB only: skipped on ${mongoServer})`, async () => {
    const tasks = api.runtime.db.collection<TaskDocument>('tasks');
    const filters = [{ states: ['PENDING' as const] }, { types: ['echo'] }, { queues: ['odd'] }, { tags: ['third'] }, {}];
    for (const filter of filters) {
      const plan = JSON.stringify(await tasks.find(filterQuery(filter, new Date())).sort(sortOf('CREATED_AT_DESC')).limit(20).explain());
      expect(plan, JSON.stringify(filter)).toContain('IXSCAN');
    }
  });

  it('refuses first over 500 and a cursor that is not one of its own', async () => {
    expect(errorCode(await api.client.request(TasksDocument, { first: 501 }))).toBe('BAD_USER_INPUT');
    expect(errorCode(await api.client.request(TasksDocument, { after: 'bm9wZQ' }))).toBe('BAD_USER_INPUT');
    const page = await list({ first: 1 });
    const wrongOrder = await api.client.request(TasksDocument, { first: 1, after: page.pageInfo.endCursor, orderBy: 'UPDATED_AT_DESC' });
    expect(errorCode(wrongOrder)).toBe('BAD_USER_INPUT');
  });
});

describe('feeds, queue statistics and workers', () => {
  let stack: Stack;
  let runtime: Runtime;
  let client: TestClient;
  let workerId: string;

  beforeAll(async () => {
    stack = await startStack('feeds', { env: { WORKER_HEARTBEAT_MS: '200' } });
    ({ runtime, client } = stack);
    workerId = stack.worker?.id ?? '';
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('sends each feed only the events its filter matches, doing no work for the others', async () => {
    // Twenty different filters, all matching the sleep task: identical subscriptions would be
    // served by one shared feed (see shared-subscriptions.ts).
    const feeds = Array.from({ length: 20 }, (_, i) =>
      client.watch(TaskFeedDocument, { filter: { types: ['sleep'], createdAfter: new Date(Date.UTC(2000, 0, 1 + i)).toISOString() } }),
    );
    const everything = client.watch(TaskFeedDocument, {});
    await waitUntil('all 21 feeds are open', () => runtime.feeds.size >= 21, { everyMs: 5 });
    const before = runtime.feeds.delivered;

    const { enqueueTasks } = await client.data(EnqueueTasksDocument, {
      inputs: [...Array.from({ length: 5 }, () => ({ type: 'echo' })), { type: 'sleep', input: { ms: 0, steps: 1 } }],
    });
    const sleepId = enqueueTasks[5]!.task.id;
    const echoIds = enqueueTasks.slice(0, 5).map((p) => p.task.id);
    // A task's CREATED, published once its job is queued, may be heard after the worker's
    // STARTED; each feed still receives the four in version order.
    for (const feed of feeds) await feed.until(() => feed.results.length >= 4);
    for (const id of echoIds) await everything.until((r) => r.data?.taskFeed.taskId === id && r.data.taskFeed.type === 'SUCCEEDED');
    await everything.until(() => everything.results.filter((r) => r.data?.taskFeed.taskId === sleepId).length >= 4);

    const sleepEvents = ['CREATED', 'STARTED', 'PROGRESS', 'SUCCEEDED'];
    for (const feed of feeds) {
      const received = feed.results.map((r) => r.data!.taskFeed);
      expect(received.map((e) => `${e.taskId === sleepId}:${e.type}`)).toEqual(sleepEvents.map((t) => `true:${t}`));
    }
    // 20 filtered feeds × 4 sleep events, plus the unfiltered feed's 4 + 5 × 3 echo events:
    // the 15 echo events cost the filtered feeds no delivery (and so no GraphQL execution).
    expect(runtime.feeds.delivered - before).toBe(20 * 4 + 4 + 15);
    for (const feed of [...feeds, everything]) feed.unsubscribe();
  });

  it('coalesces queue statistics: at most two updates a second however many events arrive', async () => {
    const watched = client.watch(QueueStatsUpdatedDocument, { queue: 'default' });
    const initial = await watched.until(() => true);
    const succeededBefore = initial.data?.queueStatsUpdated.succeeded ?? 0;
    const countsBefore = runtime.queueStatsFeeds.counts;
    const started = performance.now();
    await client.data(EnqueueTasksDocument, { inputs: Array.from({ length: 60 }, () => ({ type: 'echo' })) });
    const last = await watched.until((r) => r.data?.queueStatsUpdated.succeeded === succeededBefore + 60);
    const elapsedMs = performance.now() - started;
    watched.unsubscribe();

    const allowed = Math.ceil(elapsedMs / 500) + 1;
    expect(watched.results.length - 1).toBeLessThanOrEqual(allowed); // 180 events in all
    expect(runtime.queueStatsFeeds.counts - countsBefore).toBeLessThanOrEqual(allowed);
    expect(last.data?.queueStatsUpdated).toMatchObject({ name: 'default', pending: 0, running: 0, workers: 1 });
    const { queues } = await client.data(QueuesDocument, {});
    expect(queues.find((q) => q.name === 'default')).toEqual(last.data?.queueStatsUpdated);
  });

  it('lists live workers, and forgets one whose heartbeat stopped', async () => {
    const { workers } = await client.data(WorkersDocument, {});
    expect(workers).toEqual([expect.objectContaining({ id: workerId, pid: process.pid, queues: ['default'], concurrency: 10 })]);
    // A worker that stopped beating 3 heartbeats ago (600 ms here) is gone:
    const old = new Date(Date.now() - 700);
    await runtime.workers.beat({ id: 'lost', hostname: 'h', pid: 1, queues: ['default'], concurrency: 1, startedAt: old, heartbeatAt: old });
    expect((await client.data(WorkersDocument, {})).workers.map((w) => w.id)).toEqual([workerId]);
  });

  it('repairs a task whose job vanished, and a RUNNING task whose job and worker are gone', async () => {
    const queue = new Queue(bullQueueName('default'), { connection: runtime.redis, prefix: runtime.config.redisPrefix });
    try {
      const waiting = (await runtime.tasks.enqueue(ANONYMOUS, { type: 'echo', delayMs: 3_600_000 })).task;
      await queue.remove(waiting.id); // as if its enqueue died before queueing, or Redis lost it
      // A task recorded RUNNING by a worker that no longer exists, with no job left:
      const stranded = (await runtime.tasks.enqueue(ANONYMOUS, { type: 'echo', delayMs: 3_600_000 })).task;
      await queue.remove(stranded.id);
      const running = await runtime.recorder.record(stranded, (t, now) => startAttempt(t, 'gone-worker', now));
      expect(running.ok).toBe(true);

      const chore = reconcilerChore({ ...runtime, config: { ...runtime.config, reconcileGraceMs: 0 } });
      const repaired = (await chore.run()) as string[];
      expect(repaired.sort()).toEqual([waiting.id, stranded.id].sort());

      expect(await queue.getJobState(waiting.id)).toBe('delayed'); // back in the queue, still for its runAt
      const events = await runtime.tasks.events(ANONYMOUS, waiting.id, 1);
      expect(events).toEqual([expect.objectContaining({ type: 'REQUEUED', state: 'SCHEDULED', reason: expect.stringContaining('no job') as unknown })]);

      const final = (await client.watch(TaskUpdatedDocument, { id: stranded.id }).completed).at(-1)?.data?.taskUpdated;
      expect(final?.state).toBe('SUCCEEDED');
      expect(final?.attempts.map((a) => [a.outcome, a.workerId])).toEqual([
        ['STALLED', 'gone-worker'],
        ['SUCCEEDED', workerId],
      ]);
      expect(((await chore.run()) as string[]).length).toBe(0); // nothing left to repair
    } finally {
      await queue.close();
    }
  });
});
