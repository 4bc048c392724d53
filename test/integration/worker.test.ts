/**
 * The worker against misbehaving handlers, on the real servers: whatever a handler does, the
 * task ends with a readable record and the worker goes on serving.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { Task } from '../../src/model/task.ts';
import type { Runtime } from '../../src/runtime.ts';
import { TaskWorker } from '../../worker/task-worker.ts';
import { startTestRuntime, testConfig } from '../support/runtime.ts';
import { testTaskType } from '../support/task-types.ts';
import { ANONYMOUS } from '../../src/auth/principal.ts';
import { recover } from '../../src/model/state-machine.ts';
import { QUEUED_TASK_MAX_BYTES } from '../../src/queue/task-queues.ts';

const anything = z.record(z.string(), z.unknown());
const handlers = [
  testTaskType({ name: 'ok', input: anything, handler: () => ({ fine: true }) }),
  testTaskType({ name: 'echo', input: anything, handler: (input) => input }),
  testTaskType({ name: 'hang', input: anything, timeoutMs: 200, handler: () => new Promise(() => {}) }),
  testTaskType({
    name: 'throw-string',
    input: anything,
    // eslint-disable-next-line @typescript-eslint/only-throw-error -- what a careless handler does
    handler: () => { throw 'plain string'; },
  }),
  testTaskType({ name: 'not-json', input: anything, handler: () => ({ when: 10n }) }),
  testTaskType({
    name: 'chatty',
    input: z.object({ reports: z.number().int() }),
    handler: async ({ reports }, { progress }) => {
      for (let i = 1; i <= reports; i++) {
        progress({ percent: (100 * i) / reports, message: `report ${i}` });
        if (i % 1000 === 0) await delay(50);
      }
      return { reports };
    },
  }),
];

let runtime: Runtime;
let worker: TaskWorker;

beforeAll(async () => {
  // One slot: a task after a hung one only runs if the hung one really gave its slot back.
  runtime = await startTestRuntime(testConfig('worker', { WORKER_CONCURRENCY: '1' }), handlers.map((h) => h.type));
  worker = new TaskWorker(runtime, handlers);
  await worker.start();
});
afterAll(async () => {
  await worker?.close();
  await runtime?.close();
});

/** Enqueue and wait for the final state through the same stream a subscriber gets. */
async function runToEnd(type: string, input: object = {}): Promise<Task> {
  const { task } = await runtime.tasks.enqueue(ANONYMOUS, { type, input });
  let last = task;
  for await (const snapshot of await runtime.tasks.watchTask(ANONYMOUS, task.id)) last = snapshot;
  return last;
}

describe('worker', () => {
  it('fails a hung attempt with a TimeoutError and gives its slot to the next task', async () => {
    const hung = runToEnd('hang');
    const next = runToEnd('ok');
    expect(await hung).toMatchObject({ state: 'FAILED', error: { name: 'TimeoutError', message: 'attempt 1 timed out after 200 ms' } });
    expect(await next).toMatchObject({ state: 'SUCCEEDED', result: { fine: true } });
  });

  it('records a thrown non-Error readably', async () => {
    expect(await runToEnd('throw-string')).toMatchObject({
      state: 'FAILED',
      error: { name: 'NonErrorThrown', message: 'the handler threw a non-Error value: plain string' },
    });
  });

  it('fails a result that is not JSON without retrying', async () => {
    const task = await runToEnd('not-json');
    expect(task).toMatchObject({ state: 'FAILED', error: { name: 'InvalidResultError', retryable: false } });
    expect(task.error?.message).toContain('bigint');
  });

  it('coalesces a flood of progress reports into a few writes, keeping the last one', async () => {
    const started = performance.now();
    const task = await runToEnd('chatty', { reports: 5000 });
    const elapsedMs = performance.now() - started;
    expect(task).toMatchObject({ state: 'SUCCEEDED', progress: { percent: 100, message: 'report 5000' } });
    const progressWrites = task.version - 3; // all but CREATED, STARTED and SUCCEEDED
    // At most one write per 100 ms interval, plus the final flush.
    expect(progressWrites).toBeGreaterThanOrEqual(1);
    expect(progressWrites).toBeLessThanOrEqual(Math.ceil(elapsedMs / 100) + 1);
    const events = await runtime.tasks.events(ANONYMOUS, task.id, 0);
    expect(events?.filter((e) => e.type === 'PROGRESS')).toHaveLength(1); // superseded ones left out of the log
  });

  it('runs a task that moved on after its job was queued as it is now, not as the job carries it', async () => {
    // The job carries the task as queued (version 1); the reconciler requeues it (version 2)
    // before a worker takes the job, so the start from the carried task loses its version guard.
    const queue = runtime.types.get('echo')!.queue;
    await runtime.queues.pause(queue);
    let task: Task;
    try {
      ({ task } = await runtime.tasks.enqueue(ANONYMOUS, { type: 'echo', input: { n: 1 } }));
      const requeued = await runtime.recorder.record(task, (t, now) => recover(t, 'a test requeues it', now));
      expect(requeued).toMatchObject({ ok: true, task: { version: 2 } });
    } finally {
      await runtime.queues.resume(queue);
    }
    let last = task;
    for await (const snapshot of await runtime.tasks.watchTask(ANONYMOUS, task.id)) last = snapshot;
    expect(last).toMatchObject({ state: 'SUCCEEDED', attempt: 1, result: { n: 1 } });
    const events = await runtime.tasks.events(ANONYMOUS, task.id, 0);
    expect(events?.map((e) => [e.version, e.type])).toEqual([[1, 'CREATED'], [2, 'REQUEUED'], [3, 'STARTED'], [4, 'SUCCEEDED']]);
  });

  it('runs a task too large for its job to carry, read from MongoDB', async () => {
    const input = { text: 'x'.repeat(QUEUED_TASK_MAX_BYTES) };
    expect(await runToEnd('echo', input)).toMatchObject({ state: 'SUCCEEDED', result: input });
  });

  it('still serves after all of that', async () => {
    expect(await runToEnd('ok')).toMatchObject({ state: 'SUCCEEDED' });
  });
});
