/**
 * The whole system as production runs it: two API processes and two worker processes, separate
 * Node processes sharing one MongoDB-compatible server and one Redis. What is enqueued through
 * one API is watched live through the other; a worker killed mid-task loses nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CancelTaskDocument,
  EnqueueTaskDocument,
  PauseQueueDocument,
  ResumeQueueDocument,
  TaskDocument,
  TaskEventsDocument,
  TaskFeedDocument,
  TaskUpdatedDocument,
  WorkersDocument,
} from '../../schema/generated/graphql.ts';
import { TestClient } from '../support/graphql-client.ts';
import { startProcess, type TaskqlProcess } from '../support/processes.ts';
import { testEnv } from '../support/runtime.ts';
import { waitUntil } from '../support/wait.ts';

let processes: TaskqlProcess[] = [];
let api1: TestClient;
let api2: TestClient;

beforeAll(async () => {
  // Short heartbeats and locks, so that a killed worker is noticed in about two seconds.
  const env = testEnv('e2e', { WORKER_HEARTBEAT_MS: '300', WORKER_LOCK_MS: '2000' });
  const started = await Promise.allSettled([
    startProcess('api', env),
    startProcess('api', env),
    startProcess('worker', env),
    startProcess('worker', env),
  ]);
  processes = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  const failed = started.find((s) => s.status === 'rejected');
  if (failed) throw failed.reason; // afterAll still stops those that did start
  api1 = new TestClient(processes[0]!.port);
  api2 = new TestClient(processes[1]!.port);
  // Open sockets now, so that a subscription made right after an enqueue starts before the
  // task's first progress report (replay may leave out superseded progress; live never does).
  await Promise.all([api1.connected, api2.connected]);
});

afterAll(async () => {
  await Promise.all([api1?.close(), api2?.close()]);
  await Promise.all(processes.map((p) => p.stop()));
});

const events = (results: { data?: { taskEvents: { version: number; type: string } } | null }[]) =>
  results.map((r) => r.data?.taskEvents).map((e) => `${e?.version}:${e?.type}`);

describe('two API processes and a worker process', () => {
  it('streams a sleep enqueued on API 1 to a subscriber on API 2: CREATED, STARTED, PROGRESS…, SUCCEEDED', async () => {
    // The queue is paused until the subscriber on API 2 has the first event, so that it is live
    // from the start: a late one would rightly be replayed only the latest of superseded progress.
    await api1.data(PauseQueueDocument, { name: 'default' });
    const { enqueueTask } = await api1.data(EnqueueTaskDocument, { input: { type: 'sleep', input: { ms: 500, steps: 5 } } });
    const watched = api2.watch(TaskEventsDocument, { id: enqueueTask.task.id });
    try {
      await waitUntil('the subscriber on API 2 has the first event', () => watched.results.length > 0);
    } finally {
      await api1.data(ResumeQueueDocument, { name: 'default' });
    }
    const results = await watched.completed;
    const seen = events(results);
    expect(seen.slice(0, 2)).toEqual(['1:CREATED', '2:STARTED']);
    expect(seen.at(-1)).toMatch(/:SUCCEEDED$/);
    expect(seen.slice(2, -1).every((e) => e.endsWith(':PROGRESS'))).toBe(true);
    expect(seen.length).toBeGreaterThan(3);
    expect(results.map((r) => r.data?.taskEvents.version)).toEqual(seen.map((_, i) => i + 1));

    const { task } = await api1.data(TaskDocument, { id: enqueueTask.task.id });
    expect(task).toMatchObject({ state: 'SUCCEEDED', result: { sleptMs: 500 }, progress: { percent: 100 } });
  });

  it('runs a fail task RUNNING → RETRYING → RUNNING → SUCCEEDED across processes and replays after version 2', async () => {
    const { enqueueTask } = await api2.data(EnqueueTaskDocument, { input: { type: 'fail', input: { failAttempts: 1 }, maxAttempts: 2 } });
    const id = enqueueTask.task.id;
    const live = await api1.watch(TaskEventsDocument, { id }).completed;
    expect(events(live)).toEqual(['1:CREATED', '2:STARTED', '3:RETRY_SCHEDULED', '4:STARTED', '5:SUCCEEDED']);
    expect(live.map((r) => r.data?.taskEvents.state)).toEqual(['PENDING', 'RUNNING', 'RETRYING', 'RUNNING', 'SUCCEEDED']);
    const { task } = await api2.data(TaskDocument, { id });
    expect(task?.attempts.map((a) => a.outcome)).toEqual(['FAILED', 'SUCCEEDED']);

    const late = await api2.watch(TaskEventsDocument, { id, afterVersion: 2 }).completed;
    expect(events(late)).toEqual(['3:RETRY_SCHEDULED', '4:STARTED', '5:SUCCEEDED']);
  });

  it('feeds a subscriber on API 2 the events of tasks enqueued through API 1', async () => {
    const feed = api2.watch(TaskFeedDocument, { filter: { tags: ['fed'] } });
    await api2.data(WorkersDocument, {}); // a round trip on API 2, so the feed is most likely open
    await api1.data(EnqueueTaskDocument, { input: { type: 'echo', tags: ['not-fed'] } });
    const { enqueueTask } = await api1.data(EnqueueTaskDocument, { input: { type: 'sleep', input: { ms: 600, steps: 3 }, tags: ['fed'] } });
    await feed.until((r) => r.data?.taskFeed.type === 'SUCCEEDED');
    feed.unsubscribe();
    // A feed has no replay, so the very first event could precede the subscription; every later
    // one arrives, in order, and nothing of the unmatched task does.
    const seen = feed.results.map((r) => r.data?.taskFeed);
    expect(seen.every((e) => e?.taskId === enqueueTask.task.id)).toBe(true);
    expect(seen.map((e) => e?.type).filter((t) => t !== 'CREATED')).toEqual(['STARTED', 'PROGRESS', 'PROGRESS', 'PROGRESS', 'SUCCEEDED']);
    const versions = seen.map((e) => e?.version ?? 0);
    expect(versions).toEqual([...versions].sort((a, b) => a - b));
  });

  it('cancels a task running in the worker process through an API process', async () => {
    const { enqueueTask } = await api1.data(EnqueueTaskDocument, { input: { type: 'sleep', input: { ms: 60_000, steps: 600 } } });
    const id = enqueueTask.task.id;
    const watched = api1.watch(TaskUpdatedDocument, { id });
    await watched.until((r) => r.data?.taskUpdated.state === 'RUNNING');
    const { cancelTask } = await api2.data(CancelTaskDocument, { id, reason: 'rolling back' });
    expect(cancelTask).toMatchObject({ state: 'CANCELLED' });
    expect(cancelTask.attempts.map((a) => a.outcome)).toEqual(['CANCELLED']);
    expect((await watched.completed).at(-1)?.data?.taskUpdated.state).toBe('CANCELLED');
  });

  it('finishes a task on the other worker when its worker is SIGKILLed mid-attempt, with a STALLED attempt', async () => {
    const { enqueueTask } = await api1.data(EnqueueTaskDocument, { input: { type: 'sleep', input: { ms: 1500, steps: 5 } } });
    const id = enqueueTask.task.id;
    const events = api2.watch(TaskEventsDocument, { id });
    const running = await api1.watch(TaskUpdatedDocument, { id }).until((r) => r.data?.taskUpdated.state === 'RUNNING');
    const victimId = running.data?.taskUpdated.attempts[0]?.workerId ?? '';
    const victim = processes.find((p) => p.child.pid !== undefined && victimId.includes(`:${p.child.pid}:`));
    expect(victim).toBeDefined();
    victim?.child.kill('SIGKILL');

    const seen = await events.completed;
    expect(seen.map((r) => r.data?.taskEvents.version)).toEqual(seen.map((_, i) => i + 1)); // in order, no gaps
    const { task } = await api1.data(TaskDocument, { id });
    expect(task?.state).toBe('SUCCEEDED');
    expect(task?.attempts.map((a) => a.outcome)).toEqual(['STALLED', 'SUCCEEDED']);
    expect(task?.attempts[0]?.workerId).toBe(victimId);
    expect(task?.attempts[1]?.workerId).not.toBe(victimId);

    // The killed worker stops heart-beating and leaves the list within three heartbeats.
    let ids: string[] = [];
    await waitUntil('the killed worker has left the list', async () => {
      ids = (await api2.data(WorkersDocument, {})).workers.map((w) => w.id);
      return !ids.includes(victimId);
    }, { timeoutMs: 5000, everyMs: 100 });
    expect(ids).toHaveLength(1);
  });
});
