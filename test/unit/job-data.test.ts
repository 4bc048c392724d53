import { describe, expect, it } from 'vitest';
import { createTask, startAttempt } from '../../src/model/state-machine.ts';
import type { NewTask } from '../../src/model/state-machine.ts';
import { jobData, QUEUED_TASK_MAX_BYTES, queuedTask } from '../../src/queue/task-queues.ts';

const now = new Date('2026-12-04T10:00:00Z');
const spec = (input: unknown): NewTask => ({
  id: 't1', type: 'echo', queue: 'default', input, maxAttempts: 3, priority: 5, tags: ['x'], idempotencyKey: 'k', owner: 'alice', runAt: null, resultTtlSeconds: 60,
});

describe('what a job carries', () => {
  it('names the task, and carries the task as queued, read back field for field', () => {
    // A task that has run before: dates, attempts and a payload BSON could not store all come back as they were.
    const created = createTask(spec({ text: 'a\nb', $odd: [1, [2]] }), now).task;
    const started = startAttempt(created, 'w1', now);
    if (!started.ok) throw new Error(started.reason);
    const data = jobData(started.task);
    expect(data).toMatchObject({ taskId: 't1', owner: 'alice' });
    expect(queuedTask(data)).toEqual(started.task);
  });

  it('leaves a task whose input is large to MongoDB', () => {
    const task = createTask(spec({ text: 'x'.repeat(QUEUED_TASK_MAX_BYTES) }), now).task;
    const data = jobData(task);
    expect(data).toEqual({ taskId: 't1', owner: 'alice' });
    expect(queuedTask(data)).toBeNull();
  });
});
