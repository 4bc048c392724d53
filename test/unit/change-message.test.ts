import { describe, expect, it } from 'vitest';
import { encodeChangeMessage, readChangeMessage } from '../../src/events/change-message.ts';
import { createTask, startAttempt, succeed } from '../../src/model/state-machine.ts';

const now = new Date('2026-12-01T10:00:00Z');
const created = createTask(
  { id: 't1', type: 'echo', queue: 'default', input: { text: 'a\nb', $odd: [1, [2]] }, maxAttempts: 1, priority: 0, tags: ['x'], idempotencyKey: null, owner: 'alice', runAt: null, resultTtlSeconds: 60 },
  now,
);

describe('change messages on the bus', () => {
  it('carry a summary in front and the whole change after it', () => {
    const started = startAttempt(created.task, 'w1', now);
    if (!started.ok) throw new Error(started.reason);
    const done = succeed(started.task, 1, { out: 'line\nbreak' }, new Date(now.getTime() + 1500));
    if (!done.ok) throw new Error(done.reason);
    const message = readChangeMessage(encodeChangeMessage({ task: done.task, event: done.event }));
    expect(message.summary).toEqual({
      taskId: 't1',
      version: 3,
      type: 'echo',
      queue: 'default',
      owner: 'alice',
      event: 'SUCCEEDED',
      state: 'SUCCEEDED',
      startedAt: now.getTime(),
      finishedAt: now.getTime() + 1500,
    });
    expect(message.change()).toEqual({ task: done.task, event: done.event });
    expect(message.change()).toBe(message.change());
  });

  it('refuse a message without a summary', () => {
    expect(() => readChangeMessage(Buffer.from([1, 2, 3]))).toThrow(/no summary/);
  });
});
