/**
 * Races between writers of one task, made deterministic: each side decides from the same stale
 * snapshot, one commits first, and the other goes through the recorder (which re-reads and
 * decides again) against the real MongoDB-compatible server. The record must tell one coherent
 * story: never two final states, never a state going backwards.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cancel, failAttempt, startAttempt, succeed, type TransitionResult } from '../../src/model/state-machine.ts';
import type { Task } from '../../src/model/task.ts';
import type { Runtime } from '../../src/runtime.ts';
import type { Db, Document, InsertOneResult } from 'mongodb';
import { claimOf, type ClaimDocument } from '../../src/store/ferretdb-claims.ts';
import { TaskStore } from '../../src/store/task-store.ts';
import { TestClock } from '../support/clock.ts';
import { startTestRuntime, testConfig } from '../support/runtime.ts';
import { ANONYMOUS } from '../../src/auth/principal.ts';
import { TaskRecorder } from '../../src/service/task-recorder.ts';

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

/** Whether the server is FerretDB, where writes claim their version first (`ferretdb-claims.ts`). */
async function claimsVersions(): Promise<boolean> {
  const info = await runtime.db.admin().command({ buildInfo: 1 });
  return typeof info['ferretdbVersion'] === 'string';
}

function ok(result: TransitionResult) {
  if (!result.ok) throw new Error(result.reason);
  return result;
}

/**
 * `db` as a claimant sees it that stalls right after its claim is stored: each claim insert
 * reports `claimed`, then answers only once `resume` resolves.
 */
function stallingAfterClaim(db: Db, claimed: () => void, resume: Promise<void>): Db {
  return new Proxy(db, {
    get(target, key, receiver) {
      if (key !== 'collection') return Reflect.get(target, key, receiver) as unknown;
      return (name: string) => {
        const collection = target.collection(name);
        if (name !== 'task_claims') return collection;
        return new Proxy(collection, {
          get(c, k, r) {
            if (k !== 'insertOne') return Reflect.get(c, k, r) as unknown;
            return async (doc: Document): Promise<InsertOneResult> => {
              const result = await c.insertOne(doc);
              claimed();
              await resume;
              return result;
            };
          },
        });
      };
    },
  });
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
    const final = await runtime.store.get(running);
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
    const final = await runtime.store.get(pending);
    expect(final?.attempts.map((a) => [a.number, a.outcome, a.workerId])).toEqual([
      [1, 'STALLED', 'w1'],
      [2, 'SUCCEEDED', 'w2'],
    ]);
    const events = await runtime.tasks.events(ANONYMOUS, pending.id, 0);
    expect(events?.map((e) => e.version)).toEqual([1, 2, 3, 4]);
    expect(events?.filter((e) => e.type === 'SUCCEEDED')).toHaveLength(1);
  });

  it('writers committing from one version at the same moment: exactly one wins, every time', async () => {
    // Two stores, as two processes have: each its own connection to the server.
    const rival = new TaskStore(runtime.db);
    const outcomes: string[] = [];
    for (let i = 0; i < 20; i++) {
      const pending = await stored();
      const [started, cancelled] = await Promise.all([
        runtime.store.commit(pending, ok(startAttempt(pending, 'w1', new Date()))),
        rival.commit(pending, ok(cancel(pending, 'user', new Date()))),
      ]);
      outcomes.push(`${started}/${cancelled}`);
      const events = await runtime.tasks.events(ANONYMOUS, pending.id, 0);
      expect(events?.map((e) => e.version)).toEqual([1, 2]);
      expect((await runtime.store.get(pending))?.state).toBe(started ? 'RUNNING' : 'CANCELLED');
    }
    expect(outcomes.filter((o) => o === 'true/false' || o === 'false/true')).toHaveLength(20);
  });

  it('a writer that died between claiming a version and writing it: the next writer completes its change, then decides', async (ctx) => {
    // Claims exist only where updates are not atomic (FerretDB); MongoDB has nothing to leave behind.
    if (!(await claimsVersions())) ctx.skip();
    const pending = await stored();
    const start = ok(startAttempt(pending, 'dead worker', new Date()));
    // What a killed claimant leaves: its claim, and the task unchanged.
    await runtime.db.collection<ClaimDocument>('task_claims').insertOne(claimOf(pending, start, new Date()));
    const store = new TaskStore(runtime.db, () => new Date(), { claimTimeoutMs: 300 });
    const recorder = new TaskRecorder(store, runtime.bus, runtime.logger);
    const waited = performance.now();
    const cancelled = await recorder.record(pending, (t, now) => cancel(t, 'user', now, t.attempt || undefined));
    expect(performance.now() - waited).toBeGreaterThanOrEqual(250);
    expect(cancelled).toMatchObject({ ok: true, task: { state: 'CANCELLED', version: 3 } });
    const events = await runtime.tasks.events(ANONYMOUS, pending.id, 0);
    expect(events?.map((e) => `${e.version}:${e.type}`)).toEqual(['1:CREATED', '2:STARTED', '3:CANCELLED']);
    expect((await runtime.store.get(pending))?.attempts.map((a) => [a.workerId, a.outcome])).toEqual([['dead worker', 'CANCELLED']]);
  });

  it('a claimant slower than the claim timeout: its late write cannot overwrite the writers who completed its claim and moved on', async (ctx) => {
    // The window exists only where writers claim versions (FerretDB); MongoDB's guard is atomic.
    if (!(await claimsVersions())) ctx.skip();
    const claimTimeoutMs = 1_000;
    const clock = new TestClock();
    const pending = await stored();

    let claimed!: () => void;
    const claimStored = new Promise<void>((resolve) => (claimed = resolve));
    let resume!: () => void;
    const resumed = new Promise<void>((resolve) => (resume = resolve));
    const slow = new TaskStore(stallingAfterClaim(runtime.db, claimed, resumed), clock.now, { claimTimeoutMs });
    const late = slow.commit(pending, ok(startAttempt(pending, 'slow worker', clock.now())));
    await claimStored;

    // The claim outlives the timeout: the next writer completes its change and moves the task on.
    clock.advance(claimTimeoutMs);
    const recorder = new TaskRecorder(new TaskStore(runtime.db, clock.now, { claimTimeoutMs }), runtime.bus, runtime.logger, clock.now);
    const cancelled = await recorder.record(pending, (t, now) => cancel(t, 'user', now, t.attempt || undefined));
    expect(cancelled).toMatchObject({ ok: true, task: { state: 'CANCELLED', version: 3 } });

    resume();
    // Its change is in the record (the other writer wrote it), so the claimant's commit stands.
    expect(await late).toBe(true);
    expect(await runtime.store.get(pending)).toMatchObject({ state: 'CANCELLED', version: 3 });
    const events = await runtime.tasks.events(ANONYMOUS, pending.id, 0);
    expect(events?.map((e) => `${e.version}:${e.type}`)).toEqual(['1:CREATED', '2:STARTED', '3:CANCELLED']);
  });
});
