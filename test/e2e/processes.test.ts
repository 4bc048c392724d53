/**
 * The whole system as production runs it: two API processes and a worker process, separate
 * Node processes sharing one MongoDB-compatible server and one Redis. What is enqueued through
 * one API is watched live through the other.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CancelTaskDocument, EnqueueTaskDocument, TaskDocument, TaskEventsDocument, TaskUpdatedDocument } from '../../schema/generated/graphql.ts';
import { TestClient } from '../support/graphql-client.ts';
import { startProcess, type TaskqlProcess } from '../support/processes.ts';
import { testEnv } from '../support/runtime.ts';

let processes: TaskqlProcess[] = [];
let api1: TestClient;
let api2: TestClient;

beforeAll(async () => {
  const env = testEnv('e2e');
  const started = await Promise.allSettled([startProcess('api', env), startProcess('api', env), startProcess('worker', env)]);
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
    const { enqueueTask } = await api1.data(EnqueueTaskDocument, { input: { type: 'sleep', input: { ms: 500, steps: 5 } } });
    const results = await api2.watch(TaskEventsDocument, { id: enqueueTask.task.id }).completed;
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
});
