import { describe, expect, it } from 'vitest';
import { defer, DEFERRAL_LIMIT, startAttempt } from '../../src/model/state-machine.ts';
import { waitReasonOf, type Task } from '../../src/model/task.ts';
import { at, newTask, ok, t0 } from '../support/task-fixtures.ts';

function running(): Task {
  return ok(startAttempt(newTask({ id: 't', type: 'x', input: {}, maxAttempts: 3 }), 'w', at(10))).task;
}

describe('deferring an attempt', () => {
  it('ends the attempt uncounted and waits PENDING until the time, with a DEFERRED event', () => {
    const deferred = defer(running(), 1, 5000, 'HTTP 429', at(100), 10);
    expect(deferred.ok).toBe(true);
    if (!deferred.ok) return;
    expect(deferred.task).toMatchObject({ state: 'PENDING', attempt: 0, attempts: [], deferrals: 1, deferredUntil: at(5100), startedAt: null });
    expect(deferred.event).toMatchObject({ type: 'DEFERRED', state: 'PENDING', reason: 'HTTP 429', nextRunAt: at(5100) });
    expect(waitReasonOf(deferred.task, at(200), false)).toBe('RATE_LIMIT');
    expect(waitReasonOf(deferred.task, at(5200), false)).toBeNull();

    const again = startAttempt(deferred.task, 'w', at(5200));
    expect(again.ok && again.task).toMatchObject({ state: 'RUNNING', attempt: 1, deferredUntil: null });
  });

  it('fails the task, not retryable, once it was deferred more than the maximum', () => {
    let task = running();
    for (let i = 1; i <= 2; i++) {
      const deferred = defer(task, 1, 0, `try ${i}`, at(100 * i), 2);
      if (!deferred.ok) throw new Error('refused');
      const started = startAttempt(deferred.task, 'w', at(100 * i + 50));
      if (!started.ok) throw new Error('did not start');
      task = started.task;
    }
    const third = defer(task, 1, 0, 'try 3', at(400), 2);
    expect(third.ok && third.task).toMatchObject({ state: 'FAILED', error: { name: DEFERRAL_LIMIT, retryable: false } });
    expect(third.ok && third.task.error?.message).toContain('try 3');
  });

  it('is refused unless the attempt is the one running', () => {
    expect(defer(running(), 2, 0, 'x', at(100), 10).ok).toBe(false);
  });

  it('reads a paused queue as the reason only for a task that is not deferred', () => {
    const waiting = { state: 'PENDING' as const, runAt: null, deferredUntil: null };
    expect(waitReasonOf(waiting, t0, true)).toBe('QUEUE_PAUSED');
    expect(waitReasonOf({ ...waiting, state: 'RUNNING' }, t0, true)).toBeNull();
  });
});
