/**
 * An idempotency key reused with another input: by default the first task comes back (the new
 * input is dropped, as the contract says); with `conflictOnDifferentInput` the caller hears of it
 * as CONFLICT, and a batch with such a conflict enqueues nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EnqueueTaskDocument, EnqueueTasksDocument, TasksDocument } from '../../schema/generated/graphql.ts';
import { errorCode, startStack, type Stack } from '../support/stack.ts';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack('idempotency_conflict', { worker: false });
});
afterAll(() => stack?.close());

const count = async () => (await stack.client.data(TasksDocument, { first: 0 })).tasks.totalCount;

describe('an idempotency key reused with another input', () => {
  it('returns the first task, dropping the new input, unless asked to conflict', async () => {
    const first = await stack.client.data(EnqueueTaskDocument, { input: { type: 'echo', input: { a: 1, b: 2 }, idempotencyKey: 'k1' } });
    const again = await stack.client.data(EnqueueTaskDocument, { input: { type: 'echo', input: { a: 9 }, idempotencyKey: 'k1' } });
    expect(again.enqueueTask).toMatchObject({ deduplicated: true, task: { id: first.enqueueTask.task.id, input: { a: 1, b: 2 } } });

    const refused = await stack.client.request(EnqueueTaskDocument, {
      input: { type: 'echo', input: { a: 9 }, idempotencyKey: 'k1', conflictOnDifferentInput: true },
    });
    expect(errorCode(refused)).toBe('CONFLICT');
    expect(refused.errors?.[0]?.message).toContain(first.enqueueTask.task.id);

    // The same input in another key order is the same input.
    const same = await stack.client.data(EnqueueTaskDocument, {
      input: { type: 'echo', input: { b: 2, a: 1 }, idempotencyKey: 'k1', conflictOnDifferentInput: true },
    });
    expect(same.enqueueTask).toMatchObject({ deduplicated: true, task: { id: first.enqueueTask.task.id } });
  });

  it('enqueues none of a batch in which one such conflict is found', async () => {
    await stack.client.data(EnqueueTaskDocument, { input: { type: 'echo', input: { n: 1 }, idempotencyKey: 'k2' } });
    const before = await count();
    const result = await stack.client.request(EnqueueTasksDocument, {
      inputs: [
        { type: 'echo', input: { fresh: true } },
        { type: 'echo', input: { n: 2 }, idempotencyKey: 'k2', conflictOnDifferentInput: true },
      ],
    });
    expect(errorCode(result)).toBe('CONFLICT');
    expect(result.errors?.[0]?.message).toContain('inputs.1.idempotencyKey');
    expect(await count()).toBe(before);
  });
});
