/**
 * Task execution semantics on the real servers: scheduling, priority, idempotency, cancellation,
 * manual retry, retention, batches, and the races between them. The API and a worker run in this
 * process; clients talk GraphQL over HTTP and WebSocket.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { Queue, type Job } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  CancelTaskDocument,
  EnqueueTaskDocument,
  EnqueueTasksDocument,
  RetryTaskDocument,
  TaskDocument,
  TaskEventsDocument,
  TaskUpdatedDocument,
  type EnqueueTaskInput,
} from '../../schema/generated/graphql.ts';
import { startAttempt } from '../../src/model/state-machine.ts';
import { isFinalState, type Task } from '../../src/model/task.ts';
import { bullQueueName } from '../../src/queue/queue-names.ts';
import type { Runtime } from '../../src/runtime.ts';
import { builtinHandlers } from '../../worker/handlers/index.ts';
import { MAINTENANCE_QUEUE } from '../../worker/maintenance.ts';
import { TaskWorker } from '../../worker/task-worker.ts';
import { TestClock } from '../support/clock.ts';
import { TestClient } from '../support/graphql-client.ts';
import { startTestRuntime, testConfig } from '../support/runtime.ts';
import { errorCode, startStack, type Stack } from '../support/stack.ts';
import { testTaskType } from '../support/task-types.ts';
import { waitUntil } from '../support/wait.ts';
import { ANONYMOUS } from '../../src/auth/principal.ts';

/** Resolves when the `stubborn` handler returns (the worker runs in this process). */
let stubbornReturned: Promise<void> = Promise.resolve();

/** Ignores its signal and returns late: what cancellation must abandon and whose result it must drop. */
const stubborn = testTaskType({
  name: 'stubborn',
  input: z.object({ ms: z.number() }),
  handler: async ({ ms }) => {
    let returned = () => {};
    stubbornReturned = new Promise((resolve) => (returned = resolve));
    await delay(ms);
    setImmediate(returned); // once the worker has seen the return
    return { finished: true };
  },
});

let stack: Stack;
let runtime: Runtime;
let client: TestClient;

/**
 * A second taskql for the tests of retention, on a clock they move: a task's retention runs out
 * when the test says, not after waiting for it. Its scheduled cleanup runs once an hour, so a
 * test brings the next run forward rather than meeting one by chance.
 */
const clock = new TestClock();
let timed: Stack;

beforeAll(async () => {
  const discarding = testTaskType({ name: 'discarding', input: z.object({}), handler: () => ({ secret: 42 }) });
  [stack, timed] = await Promise.all([
    startStack('lifecycle', {
      env: { CANCEL_GRACE_MS: '1000', DISCARD_RESULTS_FOR: 'discarding' },
      handlers: [...builtinHandlers, stubborn, discarding],
    }),
    startStack('lifecycle_timed', { env: { CLEANUP_INTERVAL_MS: String(3_600_000) }, now: clock.now }),
  ]);
  ({ runtime, client } = stack);
});

afterAll(async () => {
  await Promise.all([stack?.close(), timed?.close()]);
});

const enqueue = async (input: EnqueueTaskInput, on = client) => (await on.data(EnqueueTaskDocument, { input })).enqueueTask;

/** The task's story once it is final, as a subscriber sees it. */
async function finalOf(id: string, on = client) {
  const results = await on.watch(TaskUpdatedDocument, { id }).completed;
  return results.at(-1)?.data?.taskUpdated;
}

/** Move the timed stack's clock past the moment `task` expires. */
function expire(task: { expiresAt?: string | null } | undefined): void {
  if (!task?.expiresAt) throw new Error('the task has no expiresAt');
  clock.passTo(new Date(task.expiresAt));
}

describe('scheduling', () => {
  it('runs a delayed task no earlier than its runAt: SCHEDULED, then STARTED and SUCCEEDED', async () => {
    const { task } = await enqueue({ type: 'echo', input: { x: 1 }, delayMs: 400 });
    expect(task.state).toBe('SCHEDULED');
    expect(Date.parse(task.runAt ?? '') - Date.parse(task.createdAt)).toBe(400);
    const events = await client.watch(TaskEventsDocument, { id: task.id }).completed;
    expect(events.map((r) => `${r.data?.taskEvents.type}:${r.data?.taskEvents.state}`)).toEqual([
      'CREATED:SCHEDULED',
      'STARTED:RUNNING',
      'SUCCEEDED:SUCCEEDED',
    ]);
    const final = (await client.data(TaskDocument, { id: task.id })).task;
    expect(Date.parse(final?.startedAt ?? '')).toBeGreaterThanOrEqual(Date.parse(task.runAt ?? ''));
  });

  it('runs a task whose runAt has passed at once', async () => {
    const { task } = await enqueue({ type: 'echo', runAt: new Date(Date.now() - 60_000).toISOString() });
    expect(task.state).toBe('PENDING');
    expect(await finalOf(task.id)).toMatchObject({ state: 'SUCCEEDED' });
  });

  it('refuses delayMs with runAt, and a runAt more than a year ahead', async () => {
    const both = await client.request(EnqueueTaskDocument, { input: { type: 'echo', delayMs: 10, runAt: new Date().toISOString() } });
    expect(errorCode(both)).toBe('BAD_USER_INPUT');
    expect(both.errors?.[0]?.message).toContain('not both');
    const far = await client.request(EnqueueTaskDocument, { input: { type: 'echo', runAt: new Date(Date.now() + 400 * 86_400_000).toISOString() } });
    expect(errorCode(far)).toBe('BAD_USER_INPUT');
  });
});

describe('priority', () => {
  it('starts higher priorities first among waiting tasks of one queue', async () => {
    // A runtime of its own with one slot and no worker yet, so all four wait together.
    const own = await startTestRuntime(testConfig('priority', { WORKER_CONCURRENCY: '1' }));
    try {
      const ids: Record<string, string> = {};
      for (const priority of [0, 10, 3, 7]) ids[priority] = (await own.tasks.enqueue(ANONYMOUS, { type: 'echo', priority })).task.id;
      const ownWorker = new TaskWorker(own, builtinHandlers);
      await ownWorker.start();
      const finished: Task[] = [];
      for (const id of Object.values(ids)) {
        for await (const t of await own.tasks.watchTask(ANONYMOUS, id)) if (isFinalState(t.state)) finished.push(t);
      }
      await ownWorker.close();
      const order = [...finished].sort((a, b) => a.startedAt!.getTime() - b.startedAt!.getTime()).map((t) => t.priority);
      expect(order).toEqual([10, 7, 3, 0]);
    } finally {
      await own.close();
    }
  });
});

describe('idempotency', () => {
  it('returns the first task for the same key and type, also when the requests race', async () => {
    const input: EnqueueTaskInput = { type: 'echo', input: { n: 1 }, idempotencyKey: `order-${Date.now()}` };
    const results = await Promise.all(Array.from({ length: 8 }, () => enqueue(input)));
    expect(new Set(results.map((r) => r.task.id)).size).toBe(1);
    expect(results.filter((r) => !r.deduplicated)).toHaveLength(1);
    const other = await enqueue({ ...input, type: 'sleep', input: { ms: 0 } });
    expect(other.task.id).not.toBe(results[0]?.task.id);
    expect(await runtime.db.collection('tasks').countDocuments({ idempotencyKey: input.idempotencyKey })).toBe(2);
  });

  it('makes a new task once the first is no longer retained', async () => {
    const key = `expiring-${Date.now()}`;
    const first = await enqueue({ type: 'echo', idempotencyKey: key, resultTtlSeconds: 60 }, timed.client);
    const done = await finalOf(first.task.id, timed.client);
    expect(await enqueue({ type: 'echo', idempotencyKey: key }, timed.client)).toMatchObject({ deduplicated: true, task: { id: first.task.id } });
    expire(done);
    const second = await enqueue({ type: 'echo', idempotencyKey: key }, timed.client);
    expect(second).toMatchObject({ deduplicated: false });
    expect(second.task.id).not.toBe(first.task.id);
  });
});

describe('cancellation', () => {
  it('cancels a waiting task at once and removes its job', async () => {
    const { task } = await enqueue({ type: 'echo', delayMs: 60_000 });
    const { cancelTask } = await client.data(CancelTaskDocument, { id: task.id, reason: 'changed my mind' });
    expect(cancelTask).toMatchObject({ state: 'CANCELLED', version: 2 });
    const queue = new Queue(bullQueueName('default'), { connection: runtime.redis, prefix: runtime.config.redisPrefix });
    // The worker removes the job just after it recorded the result.
    await waitUntil('the job is removed', async () => (await queue.getJob(task.id)) === undefined);
    await queue.close();
    const events = await client.watch(TaskEventsDocument, { id: task.id, afterVersion: 1 }).completed;
    expect(events[0]?.data?.taskEvents).toMatchObject({ type: 'CANCELLED', reason: 'changed my mind' });
  });

  it('stops a running sleep through its signal and records CANCELLED when it stops', async () => {
    const { task } = await enqueue({ type: 'sleep', input: { ms: 30_000, steps: 300 } });
    const watched = client.watch(TaskUpdatedDocument, { id: task.id });
    await watched.until((r) => r.data?.taskUpdated.state === 'RUNNING');
    const started = performance.now();
    const { cancelTask } = await client.data(CancelTaskDocument, { id: task.id, reason: 'too slow' });
    expect(performance.now() - started).toBeLessThan(runtime.config.cancelGraceMs); // stopped, not abandoned
    expect(cancelTask).toMatchObject({ state: 'CANCELLED' });
    expect(cancelTask.attempts.map((a) => a.outcome)).toEqual(['CANCELLED']);
    expect((await watched.completed).at(-1)?.data?.taskUpdated.state).toBe('CANCELLED');
  });

  it('keeps a cancel request for the attempt that took over when the stalled one stops for it', async () => {
    const { task } = await enqueue({ type: 'sleep', input: { ms: 30_000, steps: 300 } });
    await client.watch(TaskUpdatedDocument, { id: task.id }).until((r) => r.data?.taskUpdated.state === 'RUNNING');
    // Another worker took the job over (this worker's lock ran out): attempt 1 STALLED, attempt 2 runs there.
    const running = (await runtime.store.get(task))!;
    const takenOver = await runtime.recorder.record(running, (t, now) => startAttempt(t, 'elsewhere', now));
    expect(takenOver).toMatchObject({ ok: true, task: { attempt: 2, state: 'RUNNING' } });
    // This worker stops attempt 1 for the request, and may not record it: the request must stand
    // for attempt 2, whose worker reads it when it looks.
    const { cancelTask } = await client.data(CancelTaskDocument, { id: task.id, reason: 'stop it' });
    expect(cancelTask).toMatchObject({ state: 'RUNNING', attempt: 2 });
    expect(await runtime.cancels.pending(task.id)).toEqual({ reason: 'stop it' });
  });

  it('abandons a handler that ignores its signal after the grace period and drops its late result', async () => {
    const { task } = await enqueue({ type: 'stubborn', input: { ms: 1500 } });
    await client.watch(TaskUpdatedDocument, { id: task.id }).until((r) => r.data?.taskUpdated.state === 'RUNNING');
    const { cancelTask } = await client.data(CancelTaskDocument, { id: task.id });
    expect(cancelTask.state).toBe('CANCELLED');
    await stubbornReturned; // the handler's own, late return must change nothing
    const after = (await client.data(TaskDocument, { id: task.id })).task;
    expect(after).toMatchObject({ state: 'CANCELLED', result: null, version: cancelTask.version });
  });

  it('answers CONFLICT for a finished task, the task unchanged for a cancelled one, NOT_FOUND for none', async () => {
    const { task } = await enqueue({ type: 'echo' });
    await finalOf(task.id);
    expect(errorCode(await client.request(CancelTaskDocument, { id: task.id }))).toBe('CONFLICT');
    const waiting = (await enqueue({ type: 'echo', delayMs: 60_000 })).task;
    const first = (await client.data(CancelTaskDocument, { id: waiting.id })).cancelTask;
    const again = (await client.data(CancelTaskDocument, { id: waiting.id })).cancelTask;
    expect(again).toEqual(first);
    expect(errorCode(await client.request(CancelTaskDocument, { id: 'nope' }))).toBe('NOT_FOUND');
  });
});

describe('manual retry', () => {
  it('requeues a FAILED task with a fresh series of attempts after the recorded ones', async () => {
    const { task } = await enqueue({ type: 'fail', input: { failAttempts: 1, retryable: false } });
    expect(await finalOf(task.id)).toMatchObject({ state: 'FAILED', attempt: 1 });
    const { retryTask } = await client.data(RetryTaskDocument, { id: task.id });
    expect(retryTask).toMatchObject({ id: task.id, state: 'PENDING', error: null });
    const final = await finalOf(task.id);
    expect(final).toMatchObject({ state: 'SUCCEEDED', result: { attempt: 2 } });
    expect(final?.attempts.map((a) => [a.number, a.outcome])).toEqual([
      [1, 'FAILED'],
      [2, 'SUCCEEDED'],
    ]);
    const events = await client.watch(TaskEventsDocument, { id: task.id }).completed;
    expect(events.map((r) => r.data?.taskEvents.type)).toEqual(['CREATED', 'STARTED', 'FAILED', 'REQUEUED', 'STARTED', 'SUCCEEDED']);
  });

  it('answers CONFLICT for a task that is not FAILED or CANCELLED', async () => {
    const { task } = await enqueue({ type: 'echo', delayMs: 60_000 });
    expect(errorCode(await client.request(RetryTaskDocument, { id: task.id }))).toBe('CONFLICT');
  });
});

describe('retention', () => {
  it('sets expiresAt when a task finishes, and keeps it for ever with resultTtlSeconds 0', async () => {
    const kept = await finalOf((await enqueue({ type: 'echo', resultTtlSeconds: 0 })).task.id);
    expect(kept?.expiresAt).toBeNull();
    const defaulted = await finalOf((await enqueue({ type: 'echo' })).task.id);
    expect(Date.parse(defaulted?.expiresAt ?? '') - Date.parse(defaulted?.finishedAt ?? '')).toBe(runtime.config.resultTtlSeconds * 1000);
  });

  it('hides an expired task at once and the scheduled cleanup deletes it', async () => {
    const { task } = await enqueue({ type: 'echo', resultTtlSeconds: 60 }, timed.client);
    const done = await finalOf(task.id, timed.client);
    expect((await timed.client.data(TaskDocument, { id: task.id })).task).toMatchObject({ state: 'SUCCEEDED' });
    expire(done);
    expect((await timed.client.data(TaskDocument, { id: task.id })).task).toBeNull();
    const watched = await timed.client.watch(TaskUpdatedDocument, { id: task.id }).completed;
    expect(errorCode(watched[0] ?? {})).toBe('NOT_FOUND');

    const stored = () => timed.runtime.db.collection('tasks').countDocuments({ _id: task.id as never });
    expect(await stored()).toBe(1); // hidden, not deleted: that is the cleanup's work
    const maintenance = new Queue(bullQueueName(MAINTENANCE_QUEUE), { connection: timed.runtime.redis, prefix: timed.runtime.config.redisPrefix });
    try {
      expect((await maintenance.getJobSchedulers()).map((s) => s.key)).toContain('delete-expired-tasks');
      // The scheduler's next run is an hour away: bring it forward.
      let next: Job | undefined;
      await waitUntil('the next cleanup is scheduled', async () => {
        next = (await maintenance.getDelayed()).find((job) => job.name === 'delete-expired-tasks');
        return next !== undefined;
      });
      await next!.promote();
      await waitUntil('the cleanup deleted the expired task', async () => (await stored()) === 0);
    } finally {
      await maintenance.close();
    }
  });

  it('removes the BullMQ job when the task finishes, and drops results of types configured so', async () => {
    const { task } = await enqueue({ type: 'discarding' });
    expect(await finalOf(task.id)).toMatchObject({ state: 'SUCCEEDED', result: null });
    const queue = new Queue(bullQueueName('default'), { connection: runtime.redis, prefix: runtime.config.redisPrefix });
    // The worker removes the job just after it recorded the result.
    await waitUntil('the job is removed', async () => (await queue.getJob(task.id)) === undefined);
    await queue.close();
  });
});

describe('batches', () => {
  it('enqueues many tasks in one call, in order', async () => {
    const { enqueueTasks } = await client.data(EnqueueTasksDocument, {
      inputs: [{ type: 'echo', input: { i: 0 } }, { type: 'sleep', input: { ms: 1 } }, { type: 'echo', input: { i: 2 }, priority: 9 }],
    });
    expect(enqueueTasks.map((p) => [p.task.type, p.deduplicated])).toEqual([
      ['echo', false],
      ['sleep', false],
      ['echo', false],
    ]);
    expect(await finalOf(enqueueTasks[2]!.task.id)).toMatchObject({ state: 'SUCCEEDED', result: { i: 2 } });
  });

  it('enqueues none when any input is invalid, naming each bad index and field', async () => {
    const before = await runtime.db.collection('tasks').countDocuments();
    const result = await client.request(EnqueueTasksDocument, {
      inputs: [{ type: 'echo' }, { type: 'sleep', input: { ms: -1 } }, { type: 'nope' }],
    });
    expect(errorCode(result)).toBe('BAD_USER_INPUT');
    expect(result.errors?.[0]?.message).toContain('inputs.1.input.ms');
    expect(result.errors?.[0]?.message).toContain('inputs.2.type');
    expect(await runtime.db.collection('tasks').countDocuments()).toBe(before);
    const tooMany = await client.request(EnqueueTasksDocument, { inputs: Array.from({ length: 1001 }, () => ({ type: 'echo' })) });
    expect(errorCode(tooMany)).toBe('BAD_USER_INPUT');
  });
});
