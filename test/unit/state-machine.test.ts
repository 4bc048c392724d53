import { describe, expect, it } from 'vitest';
import {
  cancel,
  createTask,
  failAttempt,
  handBack,
  HANDED_BACK,
  recover,
  requeue,
  reportProgress,
  startAttempt,
  succeed,
} from '../../src/model/state-machine.ts';
import { isExpired, visibleState, type TaskError } from '../../src/model/task.ts';
import { at, newTask, ok, t0 } from '../support/task-fixtures.ts';

const boom: TaskError = { name: 'Error', message: 'boom', stack: null, retryable: true };

describe('state machine', () => {
  it('creates a PENDING task at version 1 with a logged CREATED event', () => {
    const created = createTask(
      { id: 't1', type: 'echo', queue: 'default', input: {}, maxAttempts: 1, priority: 3, tags: ['x'], idempotencyKey: null, owner: 'o', runAt: null, resultTtlSeconds: 0 },
      t0,
    );
    expect(created.task).toMatchObject({ state: 'PENDING', version: 1, attempt: 0, attempts: [], priority: 3 });
    expect(created.event).toMatchObject({ type: 'CREATED', version: 1, state: 'PENDING', taskId: 't1' });
    expect(created.logged).toEqual([created.event]);
  });

  it('runs PENDING → RUNNING → SUCCEEDED with consecutive versions and a closed attempt', () => {
    const started = ok(startAttempt(newTask(), 'w1', at(10)));
    expect(started.task).toMatchObject({ state: 'RUNNING', version: 2, attempt: 1, startedAt: at(10) });
    expect(started.task.attempts).toEqual([
      { number: 1, startedAt: at(10), finishedAt: null, outcome: 'RUNNING', error: null, workerId: 'w1' },
    ]);
    const done = ok(succeed(started.task, 1, { out: true }, at(20)));
    expect(done.task).toMatchObject({ state: 'SUCCEEDED', version: 3, result: { out: true }, finishedAt: at(20) });
    expect(done.task.attempts[0]).toMatchObject({ outcome: 'SUCCEEDED', finishedAt: at(20) });
    expect(done.event).toMatchObject({ type: 'SUCCEEDED', version: 3, state: 'SUCCEEDED' });
  });

  it('schedules a retry while attempts are left, then fails for good', () => {
    const first = ok(startAttempt(newTask({ maxAttempts: 2 }), 'w1', at(0)));
    const retrying = ok(failAttempt(first.task, 1, boom, 500, at(100)));
    expect(retrying.task).toMatchObject({ state: 'RETRYING', error: boom, finishedAt: null });
    expect(retrying.event).toMatchObject({ type: 'RETRY_SCHEDULED', state: 'RETRYING', error: boom, nextRunAt: at(600) });
    const second = ok(startAttempt(retrying.task, 'w2', at(600)));
    const failed = ok(failAttempt(second.task, 2, boom, 500, at(700)));
    expect(failed.task).toMatchObject({ state: 'FAILED', version: 5, finishedAt: at(700) });
    expect(failed.task.attempts.map((a) => [a.number, a.outcome, a.workerId])).toEqual([
      [1, 'FAILED', 'w1'],
      [2, 'FAILED', 'w2'],
    ]);
  });

  it('fails at once on a non-retryable error even with attempts left', () => {
    const running = ok(startAttempt(newTask({ maxAttempts: 5 }), 'w1', at(0))).task;
    const failed = ok(failAttempt(running, 1, { ...boom, retryable: false }, 500, at(1)));
    expect(failed.task.state).toBe('FAILED');
  });

  it('clears the error of an earlier attempt when a retry succeeds', () => {
    const running = ok(startAttempt(newTask({ maxAttempts: 2 }), 'w1', at(0))).task;
    const retrying = ok(failAttempt(running, 1, boom, 0, at(1))).task;
    const again = ok(startAttempt(retrying, 'w1', at(2))).task;
    const done = ok(succeed(again, 2, 1, at(3))).task;
    expect(done.error).toBeNull();
    expect(done.attempts[0]?.error).toEqual(boom);
  });

  it('closes a stalled attempt when its task is started again', () => {
    const running = ok(startAttempt(newTask({ maxAttempts: 3 }), 'w1', at(0))).task;
    const restarted = ok(startAttempt(running, 'w2', at(50)));
    expect(restarted.task.attempt).toBe(2);
    expect(restarted.task.attempts.map((a) => a.outcome)).toEqual(['STALLED', 'RUNNING']);
  });

  it('refuses what the state does not permit, and never moves a final task', () => {
    const task = newTask();
    expect(succeed(task, 1, null, at(1)).ok).toBe(false);
    expect(reportProgress(task, 1, { percent: 5 }, at(1)).ok).toBe(false);
    const running = ok(startAttempt(task, 'w1', at(0))).task;
    expect(succeed(running, 2, null, at(1)).ok).toBe(false); // a stale attempt's late result
    const done = ok(succeed(running, 1, null, at(1))).task;
    for (const result of [startAttempt(done, 'w', at(2)), succeed(done, 1, 1, at(2)), failAttempt(done, 1, boom, 0, at(2))]) {
      expect(result.ok).toBe(false);
    }
  });

  it('keeps only the newest PROGRESS event of an attempt out of the log, and logs it before the next event', () => {
    const running = ok(startAttempt(newTask(), 'w1', at(0))).task;
    const p1 = ok(reportProgress(running, 1, { percent: 10, message: 'a' }, at(1)));
    expect(p1.logged).toEqual([]);
    expect(p1.task.pendingProgressEvent).toBe(p1.event);
    expect(p1.task.progress).toEqual({ percent: 10, message: 'a', data: null, updatedAt: at(1) });
    const p2 = ok(reportProgress(p1.task, 1, { percent: 20 }, at(2)));
    expect(p2.logged).toEqual([]);
    expect(p2.task.pendingProgressEvent?.version).toBe(4);
    const done = ok(succeed(p2.task, 1, null, at(3)));
    expect(done.logged.map((e) => [e.version, e.type])).toEqual([
      [4, 'PROGRESS'],
      [5, 'SUCCEEDED'],
    ]);
    expect(done.task.pendingProgressEvent).toBeNull();
  });

  it('leaves unchanged fields as the same values, so the store writes only what changed', () => {
    const task = newTask();
    const started = ok(startAttempt(task, 'w1', at(0))).task;
    expect(started.input).toBe(task.input);
    expect(started.tags).toBe(task.tags);
  });
});

describe('state machine: scheduling, cancellation, manual retry, retention', () => {
  const spec = { id: 't2', type: 'echo', queue: 'default', input: {}, maxAttempts: 1, priority: 0, tags: [], idempotencyKey: null, owner: 'o' };

  it('starts SCHEDULED when runAt is ahead, PENDING when it has passed, and reads PENDING once due', () => {
    const scheduled = createTask({ ...spec, runAt: at(1000), resultTtlSeconds: 0 }, t0).task;
    expect(scheduled.state).toBe('SCHEDULED');
    expect(visibleState(scheduled, at(999))).toBe('SCHEDULED');
    expect(visibleState(scheduled, at(1000))).toBe('PENDING');
    expect(createTask({ ...spec, runAt: at(-1), resultTtlSeconds: 0 }, t0).task.state).toBe('PENDING');
  });

  it('cancels a waiting task, a running one only from its own attempt, and nothing final', () => {
    const pending = newTask();
    expect(ok(cancel(pending, 'why', at(1)))).toMatchObject({ task: { state: 'CANCELLED' }, event: { type: 'CANCELLED', reason: 'why' } });
    const running = ok(startAttempt(pending, 'w', at(1))).task;
    expect(cancel(running, null, at(2)).ok).toBe(false);
    expect(cancel(running, null, at(2), 2).ok).toBe(false);
    const stopped = ok(cancel(running, null, at(2), 1)).task;
    expect(stopped.attempts[0]).toMatchObject({ outcome: 'CANCELLED', finishedAt: at(2) });
    expect(cancel(stopped, null, at(3)).ok).toBe(false);
  });

  it('requeues FAILED or CANCELLED into a fresh series of attempts, numbered on', () => {
    const running = ok(startAttempt(newTask({ maxAttempts: 2 }), 'w', at(0))).task;
    const failed = ok(failAttempt(running, 1, { ...boom, retryable: false }, 0, at(1))).task;
    const requeued = ok(requeue(failed, at(2)));
    expect(requeued.event).toMatchObject({ type: 'REQUEUED', state: 'PENDING' });
    expect(requeued.task).toMatchObject({ state: 'PENDING', seriesStart: 1, error: null, finishedAt: null });
    const again = ok(startAttempt(requeued.task, 'w', at(3))).task;
    expect(again.attempt).toBe(2);
    // Two attempts in the new series (maxAttempts 2): the first failure retries.
    expect(ok(failAttempt(again, 2, boom, 0, at(4))).task.state).toBe('RETRYING');
    expect(requeue(running, at(5)).ok).toBe(false);
  });

  it('sets expiresAt from the retention when a task finishes; 0 keeps it for ever', () => {
    const withTtl = createTask({ ...spec, runAt: null, resultTtlSeconds: 60 }, t0).task;
    const done = ok(succeed(ok(startAttempt(withTtl, 'w', at(0))).task, 1, null, at(10))).task;
    expect(done.expiresAt).toEqual(at(60_010));
    expect(isExpired(done, at(60_009))).toBe(false);
    expect(isExpired(done, at(60_010))).toBe(true);
    const kept = ok(succeed(ok(startAttempt(newTask(), 'w', at(0))).task, 1, null, at(10))).task;
    expect(kept.expiresAt).toBeNull();
  });
});

describe('state machine: lost workers', () => {
  it('fails a task whose worker was lost more than maxStalls times, closing the attempt STALLED', () => {
    let task = ok(startAttempt(newTask(), 'w1', at(0), 1)).task;
    task = ok(startAttempt(task, 'w2', at(1), 1)).task; // first loss: allowed
    expect(task.attempts.map((a) => a.outcome)).toEqual(['STALLED', 'RUNNING']);
    const failed = ok(startAttempt(task, 'w3', at(2), 1)); // second loss: too many
    expect(failed.task).toMatchObject({ state: 'FAILED', error: { name: 'StalledError', retryable: false } });
    expect(failed.task.attempts.map((a) => a.outcome)).toEqual(['STALLED', 'STALLED']);
  });

  it('does not count lost attempts against maxAttempts', () => {
    let task = ok(startAttempt(newTask({ maxAttempts: 2 }), 'w1', at(0))).task;
    task = ok(startAttempt(task, 'w2', at(1))).task; // attempt 1 stalled
    const retrying = ok(failAttempt(task, 2, boom, 0, at(2))).task; // the first real failure
    expect(retrying.state).toBe('RETRYING');
  });

  it('recovers an unfinished task without a job back to waiting, with the reason', () => {
    const running = ok(startAttempt(newTask(), 'w1', at(0))).task;
    const recovered = ok(recover(running, 'no job', at(5)));
    expect(recovered.task.state).toBe('PENDING');
    expect(recovered.task.attempts[0]?.outcome).toBe('STALLED');
    expect(recovered.event).toMatchObject({ type: 'REQUEUED', reason: 'no job' });
    expect(recover(ok(succeed(running, 1, null, at(1))).task, 'x', at(2)).ok).toBe(false);
  });
});

describe('state machine: hand-backs', () => {
  it('hands a running attempt back without counting it as a stall', () => {
    let task = ok(startAttempt(newTask(), 'w1', at(0), 0)).task;
    const handed = ok(handBack(task, 1, 'deploy', at(1)));
    expect(handed.task.state).toBe('PENDING');
    expect(handed.event).toMatchObject({ type: 'REQUEUED', reason: 'deploy' });
    expect(handed.task.attempts[0]).toMatchObject({ outcome: 'STALLED', error: { name: HANDED_BACK } });
    task = ok(startAttempt(handed.task, 'w2', at(2), 0)).task; // MAX_STALLS 0, yet it runs
    expect(task.state).toBe('RUNNING');
    expect(handBack(task, 1, 'late', at(3)).ok).toBe(false); // not its attempt any more
  });
});
