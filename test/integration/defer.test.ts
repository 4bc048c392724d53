/**
 * `ctx.deferFor` on the real servers and worker: a handler that hears "later" from an outside
 * limit ends its attempt uncounted, the task waits PENDING with `waitReason: RATE_LIMIT` and a
 * DEFERRED event, then runs again; deferring for ever is bounded by MAX_DEFERRALS.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { EnqueueTaskDocument, TaskDocument, TaskEventsDocument, TaskWaitReasonDocument } from '../../schema/generated/graphql.ts';
import { builtinHandlers } from '../../worker/handlers/index.ts';
import { startStack, type Stack } from '../support/stack.ts';
import { testTaskType } from '../support/task-types.ts';

/** Defers `times` times (counted per task id), 300 ms each, then succeeds. */
const calls = new Map<string, number>();
const polite = testTaskType({
  name: 'polite',
  input: z.object({ times: z.number().int() }),
  maxAttempts: 1,
  handler: ({ times }, ctx) => {
    const n = (calls.get(ctx.taskId) ?? 0) + 1;
    calls.set(ctx.taskId, n);
    if (n <= times) ctx.deferFor(300, `HTTP 429 (call ${n})`);
    return { calls: n, attempt: ctx.attempt };
  },
});
const careless = testTaskType({ name: 'careless', input: z.object({}), handler: (_, ctx) => ctx.deferFor(-5, 'oops') });

let stack: Stack;
beforeAll(async () => {
  stack = await startStack('defer', { handlers: [...builtinHandlers, polite, careless], env: { MAX_DEFERRALS: '3' } });
});
afterAll(() => stack?.close());

const enqueue = async (type: string, input: object) => (await stack.client.data(EnqueueTaskDocument, { input: { type, input } })).enqueueTask.task.id;

describe('deferring', () => {
  it('runs the task again after each deferral without counting the attempts', async () => {
    const id = await enqueue('polite', { times: 2 });
    const watched = stack.client.watch(TaskEventsDocument, { id });
    await watched.until((r) => r.data?.taskEvents.type === 'DEFERRED');
    const waiting = (await stack.client.data(TaskWaitReasonDocument, { id })).task;
    // Read while it waits out its 300 ms (or, on a slow machine, already running again).
    expect(['RATE_LIMIT', null]).toContain(waiting?.waitReason);
    const events = (await watched.completed).map((r) => r.data!.taskEvents);
    expect(events.map((e) => e.type)).toEqual(['CREATED', 'STARTED', 'DEFERRED', 'STARTED', 'DEFERRED', 'STARTED', 'SUCCEEDED']);
    expect(events.filter((e) => e.type === 'DEFERRED').map((e) => e.state)).toEqual(['PENDING', 'PENDING']);
    const { task } = await stack.client.data(TaskDocument, { id });
    expect(task).toMatchObject({ state: 'SUCCEEDED', attempt: 1, result: { calls: 3, attempt: 1 } });
    expect(task?.attempts).toHaveLength(1);
  });

  it('fails a task deferred more than MAX_DEFERRALS times, saying so', async () => {
    const id = await enqueue('polite', { times: 100 });
    const events = (await stack.client.watch(TaskEventsDocument, { id }).completed).map((r) => r.data!.taskEvents);
    expect(events.filter((e) => e.type === 'DEFERRED')).toHaveLength(3);
    expect(events.at(-1)).toMatchObject({ type: 'FAILED', error: { name: 'DeferralLimitError', retryable: false } });
  });

  it('fails the attempt of a handler that defers by a bad amount, and the worker goes on', async () => {
    const id = await enqueue('careless', {});
    const events = (await stack.client.watch(TaskEventsDocument, { id }).completed).map((r) => r.data!.taskEvents);
    expect(events.at(-1)).toMatchObject({ type: 'FAILED', error: { name: 'RangeError' } });
    expect(events.at(-1)?.error?.message).toContain('deferFor');
    const next = await enqueue('echo', {});
    expect((await stack.client.watch(TaskEventsDocument, { id: next }).completed).at(-1)?.data?.taskEvents.type).toBe('SUCCEEDED');
  });
});
