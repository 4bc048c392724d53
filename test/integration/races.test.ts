/**
 * Races between writers of one task, made deterministic: each side decides from the same stale
 * snapshot, one commits first, and the other goes through the recorder (which re-reads and
 * decides again) against the real MongoDB-compatible server. The record must tell one coherent
 * story: never two final states, never a state going backwards.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cancel, failAttempt, startAttempt, succeed } from '../../src/model/state-machine.ts';
import type { Task } from '../../src/model/task.ts';
import type { Runtime } from '../../src/runtime.ts';
import { startTestRuntime, testConfig } from '../support/runtime.ts';
import { ANONYMOUS } from '../../src/auth/principal.ts';

let runtime: Runtime;

beforeAll(async () => {
  runtime = await startTestRuntime(testConfig('races'));
});
afterAll(async () => {
  await runtime?.close();
});

const timeout = { name: 'TimeoutError', message: 'attempt 1 timed out', stack: null, retryable: true };

/** A stored task (with no worker in this file, it only moves when a test moves it). */
async function stored(maxAttempts = 1): Promise<Task> {
  return (await runtime.tasks.enqueue(ANONYMOUS, { type: 'echo', maxAttempts })).task;
}

async function record(task: Task, decide: Parameters<Runtime['recorder']['record']>[1]) {
  return runtime.recorder.record(task, decide);
}

describe('races', () => {
  it('cancel against completion: the first to commit wins, the other is refused', async () => {
    const running = (await record(await stored(), (t, now) => startAttempt(t, 'w1', now))).task!;
    const completed = await record(running, (t, now) => succeed(t, 1, 'done', now));
    expect(completed.ok).toBe(true);
    // The worker's cancel, decided from the RUNNING snapshot it still holds:
    const cancelled = await record(running, (t, now) => cancel(t, 'late', now, 1));
    expect(cancelled).toMatchObject({ ok: false, task: { state: 'SUCCEEDED' } });
    const events = await runtime.tasks.events(ANONYMOUS, running.id, 0);
    expect(events?.map((e) => e.type)).toEqual(['CREATED', 'STARTED', 'SUCCEEDED']);
  });

  it('completion against a cancel that committed first: the late result is dropped', async () => {
    const running = (await record(await stored(), (t, now) => startAttempt(t, 'w1', now))).task!;
    expect((await record(running, (t, now) => cancel(t, 'user', now, 1))).ok).toBe(true);
    const late = await record(running, (t, now) => succeed(t, 1, 'too late', now));
    expect(late).toMatchObject({ ok: false, task: { state: 'CANCELLED', result: null } });
  });

  it('timeout against completion: a timed-out attempt that returns later cannot succeed', async () => {
    const running = (await record(await stored(2), (t, now) => startAttempt(t, 'w1', now))).task!;
    const retrying = await record(running, (t, now) => failAttempt(t, 1, timeout, 0, now));
    expect(retrying).toMatchObject({ ok: true, task: { state: 'RETRYING' } });
    const second = await record(retrying.task!, (t, now) => startAttempt(t, 'w2', now));
    const late = await record(running, (t, now) => succeed(t, 1, 'attempt 1, late', now));
    expect(late).toMatchObject({ ok: false, task: { state: 'RUNNING', attempt: 2 } });
    expect((await record(second.task!, (t, now) => succeed(t, 2, 'ok', now))).ok).toBe(true);
    const final = await runtime.store.get(running.id);
    expect(final?.attempts.map((a) => a.outcome)).toEqual(['FAILED', 'SUCCEEDED']);
    expect(final?.result).toBe('ok');
  });

  it('a duplicate delivery after a stall: the second start closes the first attempt as STALLED', async () => {
    const pending = await stored(3);
    const first = await record(pending, (t, now) => startAttempt(t, 'w1', now));
    // w2 got the same job again (the stalled check re-queued it) and decided from PENDING too:
    const second = await record(pending, (t, now) => startAttempt(t, 'w2', now));
    expect(second).toMatchObject({ ok: true, task: { attempt: 2 } });
    const staleSuccess = await record(first.task!, (t, now) => succeed(t, 1, 'from w1', now));
    expect(staleSuccess.ok).toBe(false);
    expect((await record(second.task!, (t, now) => succeed(t, 2, 'from w2', now))).ok).toBe(true);
    const final = await runtime.store.get(pending.id);
    expect(final?.attempts.map((a) => [a.number, a.outcome, a.workerId])).toEqual([
      [1, 'STALLED', 'w1'],
      [2, 'SUCCEEDED', 'w2'],
    ]);
    const events = await runtime.tasks.events(ANONYMOUS, pending.id, 0);
    expect(events?.map((e) => e.version)).toEqual([1, 2, 3, 4]);
    expect(events?.filter((e) => e.type === 'SUCCEEDED')).toHaveLength(1);
  });
});
