/**
 * Concurrency keys through the API: the enqueue's `concurrencyKey`, or what the type's key
 * function makes, is stored on the task and served; a key that cannot be made is BAD_USER_INPUT
 * and stores nothing; schedules pass theirs on; QUEUE_LIMITS shows in `queues`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  CreateScheduleDocument,
  EnqueueTaskDocument,
  EnqueueTasksDocument,
  QueuesDocument,
  TaskDocument,
  TasksDocument,
  TriggerScheduleDocument,
} from '../../schema/generated/graphql.ts';
import { errorCode, startStack, type Stack } from '../support/stack.ts';
import { testTaskType } from '../support/task-types.ts';

const perTenant = testTaskType({
  name: 'per-tenant',
  input: z.object({ tenant: z.unknown() }),
  concurrency: {
    limit: 2,
    key: ({ tenant }) => {
      if (tenant === 'explode') throw new Error('no such tenant');
      return tenant as string;
    },
  },
  handler: () => 'done',
});

let stack: Stack;
beforeAll(async () => {
  stack = await startStack('concurrency-keys', {
    handlers: [perTenant],
    worker: false,
    env: { QUEUE_LIMITS: JSON.stringify({ default: { concurrency: 7, rateLimit: { max: 50, perMs: 1000 } } }) },
  });
});
afterAll(() => stack?.close());

const enqueue = (input: object, concurrencyKey?: string) =>
  stack.client.request(EnqueueTaskDocument, { input: { type: 'per-tenant', input, ...(concurrencyKey !== undefined && { concurrencyKey }) } });
const stored = async () => (await stack.client.data(TasksDocument, { filter: { types: ['per-tenant'] }, first: 0 })).tasks.totalCount;

describe('concurrency keys', () => {
  it("stores and serves the key the type's function makes, or the enqueue's", async () => {
    const made = (await enqueue({ tenant: 'acme' })).data!.enqueueTask.task;
    expect(made.concurrencyKey).toBe('acme');
    const given = (await enqueue({ tenant: 'acme' }, 'globex')).data!.enqueueTask.task;
    expect((await stack.client.data(TaskDocument, { id: given.id })).task?.concurrencyKey).toBe('globex');
  });

  it.each([
    ['a key over 256 characters', { tenant: 'acme' }, 'k'.repeat(257), /concurrencyKey/],
    ['an empty key', { tenant: 'acme' }, '', /concurrencyKey/],
    ['a key function that throws', { tenant: 'explode' }, undefined, /concurrency key of task type "per-tenant" could not be made: its key function threw: no such tenant/],
    ['a key function that returns no string', { tenant: 42 }, undefined, /must be a string, got number/],
    ['a key function that returns too long a key', { tenant: 'x'.repeat(300) }, undefined, /1 to 256 characters, got 300/],
  ])('refuses %s, storing nothing', async (_, input, key, message) => {
    const before = await stored();
    const result = await enqueue(input, key);
    expect(errorCode(result)).toBe('BAD_USER_INPUT');
    expect(result.errors?.[0]?.message).toMatch(message);
    expect(await stored()).toBe(before);
  });

  it('refuses a batch with one bad key whole', async () => {
    const before = await stored();
    const result = await stack.client.request(EnqueueTasksDocument, {
      inputs: [
        { type: 'per-tenant', input: { tenant: 'acme' } },
        { type: 'per-tenant', input: { tenant: 'explode' } },
      ],
    });
    expect(errorCode(result)).toBe('BAD_USER_INPUT');
    expect(result.errors?.[0]?.message).toContain('inputs.1.input');
    expect(await stored()).toBe(before);
  });

  it("gives a schedule's tasks the schedule's key", async () => {
    const schedule = (await stack.client.data(CreateScheduleDocument, {
      input: { name: 'keyed', type: 'per-tenant', input: { tenant: 'acme' }, every: 3_600_000, concurrencyKey: 'nightly' },
    })).createSchedule;
    const run = (await stack.client.data(TriggerScheduleDocument, { id: schedule.id })).triggerSchedule;
    expect((await stack.client.data(TaskDocument, { id: run.id })).task?.concurrencyKey).toBe('nightly');
  });

  it('shows the queue-wide limits of QUEUE_LIMITS', async () => {
    const queue = (await stack.client.data(QueuesDocument, {})).queues.find((q) => q.name === 'default');
    expect(queue).toMatchObject({ concurrencyLimit: 7, rateLimit: { max: 50, perMs: 1000 } });
  });
});
