/**
 * Pausing a queue: no new attempt starts in it while it is paused — also on a worker started
 * meanwhile — tasks enqueued meanwhile wait with `waitReason: QUEUE_PAUSED`, and resuming starts
 * them. Other queues go on as usual (their tasks are the barrier that shows the worker is
 * taking jobs while the paused queue's wait).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { EnqueueTaskDocument, PauseQueueDocument, ResumeQueueDocument, TaskWaitReasonDocument, TaskUpdatedDocument } from '../../schema/generated/graphql.ts';
import { builtinHandlers } from '../../worker/handlers/index.ts';
import { TaskWorker } from '../../worker/task-worker.ts';
import { errorCode, startStack, type Stack } from '../support/stack.ts';
import { testTaskType } from '../support/task-types.ts';

const other = testTaskType({ name: 'other-queue-echo', queue: 'other', input: z.object({}), handler: () => ({ ok: true }) });
const handlers = [...builtinHandlers, other];
let stack: Stack;
beforeAll(async () => {
  stack = await startStack('queue_pause', { handlers });
});
afterAll(() => stack?.close());

const enqueue = async (type: string) => (await stack.client.data(EnqueueTaskDocument, { input: { type, input: {} } })).enqueueTask.task.id;
const finished = async (id: string) => (await stack.client.watch(TaskUpdatedDocument, { id }).completed).at(-1)?.data?.taskUpdated.state;
const waitReason = async (id: string) => (await stack.client.data(TaskWaitReasonDocument, { id })).task;

describe('a paused queue', () => {
  it('starts nothing, says why, and runs its tasks once resumed', async () => {
    const paused = (await stack.client.data(PauseQueueDocument, { name: 'default' })).pauseQueue;
    expect(paused).toMatchObject({ name: 'default', paused: true });
    const held = await enqueue('echo');
    // The worker takes jobs of the other queue meanwhile.
    expect(await finished(await enqueue('other-queue-echo'))).toBe('SUCCEEDED');
    expect(await waitReason(held)).toEqual({ id: held, state: 'PENDING', waitReason: 'QUEUE_PAUSED' });

    const resumed = (await stack.client.data(ResumeQueueDocument, { name: 'default' })).resumeQueue;
    expect(resumed.paused).toBe(false);
    expect(await finished(held)).toBe('SUCCEEDED');
    expect((await waitReason(held))?.waitReason).toBeNull();
  });

  it('stays paused for a worker started while it is', async () => {
    await stack.client.data(PauseQueueDocument, { name: 'default' });
    await stack.worker!.close();
    stack.worker = new TaskWorker(stack.runtime, handlers);
    await stack.worker.start();
    const held = await enqueue('echo');
    expect(await finished(await enqueue('other-queue-echo'))).toBe('SUCCEEDED');
    expect((await waitReason(held))?.state).toBe('PENDING');
    await stack.client.data(ResumeQueueDocument, { name: 'default' });
    expect(await finished(held)).toBe('SUCCEEDED');
  });

  it('refuses an unknown queue, naming the known ones', async () => {
    const result = await stack.client.request(PauseQueueDocument, { name: 'nope' });
    expect(errorCode(result)).toBe('BAD_USER_INPUT');
    expect(result.errors?.[0]?.message).toContain('default');
  });
});
