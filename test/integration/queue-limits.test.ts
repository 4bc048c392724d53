/**
 * Queue-wide limits (QUEUE_LIMITS), which BullMQ itself holds across every worker: a task held
 * back by its queue's concurrency says CONCURRENCY_LIMIT, one held back by its queue's rate
 * window RATE_LIMIT, and nothing once it runs.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { EnqueueTaskDocument, TaskUpdatedDocument, TaskWaitReasonDocument } from '../../schema/generated/graphql.ts';
import { startStack, type Stack } from '../support/stack.ts';
import { testTaskType } from '../support/task-types.ts';

let openGate: () => void = () => {};
const gate = new Promise<void>((resolve) => (openGate = resolve));
const held = testTaskType({ name: 'held-in-capped', queue: 'capped', input: z.object({}), handler: async () => gate.then(() => 'released') });
const metered = testTaskType({ name: 'echo-in-metered', queue: 'metered', input: z.object({}), handler: () => 'ran' });

let stack: Stack;
beforeAll(async () => {
  stack = await startStack('queue_limits', {
    handlers: [held, metered],
    env: { QUEUE_LIMITS: JSON.stringify({ capped: { concurrency: 1 }, metered: { rateLimit: { max: 1, perMs: 60_000 } } }) },
  });
});
afterAll(async () => {
  openGate();
  await stack?.close();
});

const enqueue = async (type: string) => (await stack.client.data(EnqueueTaskDocument, { input: { type, input: {} } })).enqueueTask.task.id;
const watch = (id: string) => stack.client.watch(TaskUpdatedDocument, { id });
const waitReason = async (id: string) => (await stack.client.data(TaskWaitReasonDocument, { id })).task;

describe('queue-wide limits', () => {
  it("says CONCURRENCY_LIMIT while the queue's one slot is taken, and runs the task once it frees", async () => {
    const first = await enqueue('held-in-capped');
    await watch(first).until((r) => r.data?.taskUpdated.state === 'RUNNING');
    const second = await enqueue('held-in-capped');
    expect(await waitReason(second)).toEqual({ id: second, state: 'PENDING', waitReason: 'CONCURRENCY_LIMIT' });

    openGate();
    expect((await watch(second).completed).at(-1)?.data?.taskUpdated.state).toBe('SUCCEEDED');
    expect(await waitReason(second)).toEqual({ id: second, state: 'SUCCEEDED', waitReason: null });
  });

  it("says RATE_LIMIT once the queue's rate window is used up", async () => {
    const first = await enqueue('echo-in-metered');
    expect((await watch(first).completed).at(-1)?.data?.taskUpdated.state).toBe('SUCCEEDED');
    const second = await enqueue('echo-in-metered');
    // One start per minute: the second waits for the window, which outlasts the test.
    expect(await waitReason(second)).toEqual({ id: second, state: 'PENDING', waitReason: 'RATE_LIMIT' });
  });
});
