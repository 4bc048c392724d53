/**
 * A cancelled parent's children, on the real servers, when the usual path — the process that
 * records the parent CANCELLED cancels its children right after — is cut short: a child stored
 * while its parent was being cancelled (a spawn racing the cancel), and a canceller that died
 * between the parent's write and its children's. The parent's changes are written straight to the
 * store here, as the process that died wrote them, so nothing follows them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ANONYMOUS } from '../../src/auth/principal.ts';
import { cancel, startAttempt, type TransitionResult } from '../../src/model/state-machine.ts';
import type { Task } from '../../src/model/task.ts';
import type { Runtime } from '../../src/runtime.ts';
import { childReconcilerChore } from '../../worker/child-reconciler.ts';
import { startTestRuntime, testConfig } from '../support/runtime.ts';

let runtime: Runtime;

beforeAll(async () => {
  runtime = await startTestRuntime(testConfig('children_cancel', { RECONCILE_GRACE_MS: '0' }));
});
afterAll(async () => {
  await runtime?.close();
});

/** Write `change` of `task` to the store only, as a process that died right after would have. */
async function writeOnly(task: Task, change: (t: Task, now: Date) => TransitionResult): Promise<Task> {
  const transition = change(task, new Date());
  if (!transition.ok) throw new Error(transition.reason);
  expect(await runtime.store.commit(task, transition)).toBe(true);
  return transition.task;
}

/** A task RUNNING its first attempt (no worker runs here: the test moves it). */
async function runningParent(): Promise<Task> {
  const { task } = await runtime.tasks.enqueue(ANONYMOUS, { type: 'echo', input: {} });
  await runtime.queues.remove(task);
  return writeOnly(task, (t, now) => startAttempt(t, 'test-worker', now));
}

const stateOf = async (task: Task) => (await runtime.store.get({ id: task.id, owner: task.owner }))?.state;

describe("a cancelled parent's children", () => {
  it('cancels a child stored after its parent was cancelled, as soon as it is stored', async () => {
    const running = await runningParent();
    await writeOnly(running, (t, now) => cancel(t, 'stop', now, t.attempt));
    // The handler's spawn was under way: the child is stored after the parent's cancel.
    const child = await runtime.children.spawn(running, 0, { type: 'echo', input: { n: 1 } });
    expect(await stateOf(child)).toBe('PENDING');
    await runtime.childCoordinator.spawned(child);
    const cancelled = await runtime.store.getWithEvents({ id: child.id, owner: child.owner }, 0);
    expect(cancelled?.task.state).toBe('CANCELLED');
    expect(cancelled?.events.at(-1)?.reason).toBe(`its parent task ${running.id} was cancelled`);
    expect(await runtime.queues.jobState(cancelled!.task)).toBe('unknown');
  });

  it('leaves a child of a parent that was not cancelled alone', async () => {
    const running = await runningParent();
    const child = await runtime.children.spawn(running, 0, { type: 'echo', input: { n: 1 } });
    await runtime.childCoordinator.spawned(child);
    expect(await stateOf(child)).toBe('PENDING');
  });

  it("has the child reconciler cancel the children a dead canceller left, once", async () => {
    const running = await runningParent();
    const children = await Promise.all([0, 1].map((i) => runtime.children.spawn(running, i, { type: 'echo', input: { n: i } })));
    const parent = await writeOnly(running, (t, now) => cancel(t, 'stop', now, t.attempt));
    for (const child of children) expect(await stateOf(child)).toBe('PENDING');

    expect(await childReconcilerChore(runtime).run()).toContain(parent.id);
    for (const child of children) expect(await stateOf(child)).toBe('CANCELLED');
    // Doing it again changes nothing.
    expect(await childReconcilerChore(runtime).run()).not.toContain(parent.id);
  });
});
