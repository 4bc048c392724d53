import { describe, expect, it } from 'vitest';
import {
  dependencyVerdict,
  dependentsOf,
  firstFlowChange,
  flowProgress,
  flowStateOf,
  MAX_FLOW_TASKS,
  nextFlowChange,
  planFlow,
  type DependencyState,
  type FlowTaskSpec,
} from '../../src/model/flow.ts';
import {
  cancel,
  createTask,
  DEPENDENCY_FAILED,
  failForDependency,
  rearm,
  recover,
  release,
  requeue,
  skip,
  startAttempt,
  succeed,
} from '../../src/model/state-machine.ts';
import { waitReasonOf, type Task } from '../../src/model/task.ts';
import { at, newTask, ok, t0 } from '../support/task-fixtures.ts';

function flowTask(dependsOn: string[], runAt: Date | null = null): Task {
  return newTask({ id: 'b', input: {}, runAt, flowId: 'f', ref: 'b', dependsOn });
}

const dep = (state: Task['state'], ref = 'a'): DependencyState => ({ id: `id-${ref}`, ref, state });

describe('flow tasks in the state machine', () => {
  it('creates a task with dependencies WAITING, for its dependencies, with no job to recover', () => {
    const created = createTask({ ...flowTask(['a']), runAt: null }, t0);
    expect(created.task).toMatchObject({ state: 'WAITING', flowId: 'f', ref: 'b', dependsOn: ['a'], onDependencyFailure: 'FAIL' });
    expect(created.event).toMatchObject({ type: 'CREATED', state: 'WAITING' });
    expect(waitReasonOf(created.task, t0, false)).toBe('DEPENDENCIES');
    expect(startAttempt(created.task, 'w', t0).ok).toBe(false);
    expect(recover(created.task, 'lost', t0).ok).toBe(false);
  });

  it('creates a task without dependencies as before: PENDING, outside any flow', () => {
    const task = createTask({ ...flowTask([]), flowId: null, ref: null }, t0).task;
    expect(task).toMatchObject({ state: 'PENDING', flowId: null, ref: null, dependsOn: [] });
  });

  it('releases a WAITING task to PENDING with a READY event, or SCHEDULED while its runAt is ahead', () => {
    const ready = ok(release(flowTask(['a']), at(5)));
    expect(ready.task.state).toBe('PENDING');
    expect(ready.event).toMatchObject({ type: 'READY', state: 'PENDING', version: 2 });
    expect(ok(release(flowTask(['a'], at(60_000)), at(5))).task.state).toBe('SCHEDULED');
    expect(release(ready.task, at(6)).ok).toBe(false);
  });

  it('fails a WAITING task naming the dependency that did not succeed', () => {
    const failed = ok(failForDependency(flowTask(['id-a']), dep('FAILED'), at(5)));
    expect(failed.task).toMatchObject({ state: 'FAILED', finishedAt: at(5), error: { name: DEPENDENCY_FAILED, retryable: false } });
    expect(failed.task.error?.message).toBe('dependency "a" (task id-a) is FAILED');
  });

  it('skips a WAITING task: CANCELLED through a SKIPPED event that gives the reason', () => {
    const skipped = ok(skip(flowTask(['id-a']), 'dependency "a" is CANCELLED', at(5)));
    expect(skipped.task).toMatchObject({ state: 'CANCELLED', finishedAt: at(5) });
    expect(skipped.event).toMatchObject({ type: 'SKIPPED', state: 'CANCELLED', reason: 'dependency "a" is CANCELLED' });
  });

  it('cancels a WAITING task', () => {
    expect(ok(cancel(flowTask(['a']), 'flow cancelled', at(5))).task.state).toBe('CANCELLED');
  });

  it('re-arms a task that ended without running because of a dependency, not one that ran', () => {
    const failed = ok(failForDependency(flowTask(['id-a']), dep('FAILED'), at(5))).task;
    const again = ok(rearm(failed, at(6)));
    expect(again.task).toMatchObject({ state: 'WAITING', error: null, finishedAt: null });
    expect(again.event).toMatchObject({ type: 'WAITING', state: 'WAITING' });
    const ran = ok(succeed(ok(startAttempt(ok(release(flowTask(['a']), at(1))).task, 'w', at(2))).task, 1, 1, at(3))).task;
    expect(rearm(ran, at(4)).ok).toBe(false);
  });

  it('retries a failed flow task with dependencies back to WAITING, so its dependencies decide again', () => {
    const failed = ok(failForDependency(flowTask(['id-a']), dep('FAILED'), at(5))).task;
    expect(ok(requeue(failed, at(6))).task.state).toBe('WAITING');
  });
});

describe('dependency verdicts', () => {
  it('waits while a dependency is unfinished, runs once all SUCCEEDED', () => {
    expect(dependencyVerdict('FAIL', [dep('SUCCEEDED', 'a'), dep('RUNNING', 'b')])).toEqual({ kind: 'wait' });
    expect(dependencyVerdict('FAIL', [dep('SUCCEEDED', 'a'), dep('SUCCEEDED', 'b')])).toEqual({ kind: 'run' });
    expect(dependencyVerdict('FAIL', [])).toEqual({ kind: 'run' });
  });

  it('fails or skips as soon as one dependency FAILED or was CANCELLED', () => {
    const deps = [dep('RUNNING', 'a'), dep('FAILED', 'b')];
    expect(dependencyVerdict('FAIL', deps)).toEqual({ kind: 'fail', dependency: deps[1] });
    expect(dependencyVerdict('SKIP', [dep('CANCELLED', 'c')])).toEqual({ kind: 'skip', dependency: dep('CANCELLED', 'c') });
  });

  it('runs anyway under RUN, once every dependency is final', () => {
    expect(dependencyVerdict('RUN', [dep('FAILED', 'a'), dep('RUNNING', 'b')])).toEqual({ kind: 'wait' });
    expect(dependencyVerdict('RUN', [dep('FAILED', 'a'), dep('SUCCEEDED', 'b')])).toEqual({ kind: 'run' });
  });
});

describe('flow state and progress', () => {
  it('is RUNNING until every task is final, then FAILED, CANCELLED or SUCCEEDED', () => {
    expect(flowStateOf(['SUCCEEDED', 'WAITING'])).toBe('RUNNING');
    expect(flowStateOf(['SUCCEEDED', 'FAILED', 'RUNNING'])).toBe('RUNNING');
    expect(flowStateOf(['SUCCEEDED', 'FAILED', 'CANCELLED'])).toBe('FAILED');
    expect(flowStateOf(['SUCCEEDED', 'CANCELLED'])).toBe('CANCELLED');
    expect(flowStateOf(['SUCCEEDED', 'SUCCEEDED'])).toBe('SUCCEEDED');
  });

  it('records a change only when the state or the finished count moves, one version at a time', () => {
    const first = firstFlowChange('f', 3, t0);
    expect(first).toMatchObject({ version: 1, state: 'RUNNING', finished: 0, total: 3, finishedAt: null });
    expect(nextFlowChange(first, ['RUNNING', 'WAITING', 'WAITING'], at(1))).toBeNull();
    const one = nextFlowChange(first, ['SUCCEEDED', 'PENDING', 'WAITING'], at(2))!;
    expect(one).toMatchObject({ version: 2, state: 'RUNNING', finished: 1, at: at(2) });
    expect(flowProgress(one)).toBeCloseTo(1 / 3);
    const done = nextFlowChange(one, ['SUCCEEDED', 'SUCCEEDED', 'SUCCEEDED'], at(3))!;
    expect(done).toMatchObject({ version: 3, state: 'SUCCEEDED', finished: 3, finishedAt: at(3) });
    expect(flowProgress(done)).toBe(1);
    // A retried task makes a final flow RUNNING again.
    expect(nextFlowChange(done, ['SUCCEEDED', 'PENDING', 'SUCCEEDED'], at(4))).toMatchObject({ version: 4, state: 'RUNNING', finished: 2, finishedAt: null });
  });

  it('counts tasks not stored yet as unfinished', () => {
    const first = firstFlowChange('f', 3, t0);
    expect(nextFlowChange(first, ['SUCCEEDED', 'SUCCEEDED'], at(1))).toMatchObject({ version: 2, state: 'RUNNING', finished: 2, total: 3 });
  });
});

describe("what each task keeps of its dependents", () => {
  it('names each dependent with its dependency stored last, once per dependency', () => {
    // Listed out of order: c is stored after b, and d depends on c and a in that order.
    const tasks: FlowTaskSpec[] = [{ ref: 'd', dependsOn: ['c', 'a', 'a'] }, { ref: 'a' }, { ref: 'c', dependsOn: ['b'] }, { ref: 'b' }];
    const order = (planFlow(tasks) as { order: number[] }).order;
    const ids = new Map(tasks.map((t) => [t.ref, `id-${t.ref}`]));
    const dependents = dependentsOf(tasks, order, ids);
    expect(Object.fromEntries(dependents)).toEqual({
      a: [{ id: 'id-d', lastDependency: 'id-c' }],
      b: [{ id: 'id-c', lastDependency: 'id-b' }],
      c: [{ id: 'id-d', lastDependency: 'id-c' }],
      d: [],
    });
  });
});

describe('planning a submission', () => {
  const plan = (tasks: FlowTaskSpec[]) => planFlow(tasks);

  it('orders tasks after their dependencies, stably', () => {
    expect(plan([{ ref: 'c', dependsOn: ['b'] }, { ref: 'a' }, { ref: 'b', dependsOn: ['a', 'a'] }])).toEqual({ ok: true, order: [1, 2, 0] });
    expect(plan([{ ref: 'x' }, { ref: 'y' }, { ref: 'z', dependsOn: ['x', 'y'] }])).toEqual({ ok: true, order: [0, 1, 2] });
  });

  it('refuses a duplicate ref, naming it', () => {
    expect(plan([{ ref: 'a' }, { ref: 'a' }])).toEqual({ ok: false, message: 'tasks.1.ref: "a" is also the ref of tasks.0; refs must be unique' });
  });

  it('refuses an unknown ref, naming the task that names it', () => {
    expect(plan([{ ref: 'a', dependsOn: ['nope'] }])).toEqual({ ok: false, message: 'tasks.0.dependsOn: task "a" depends on unknown ref "nope"' });
  });

  it('refuses a cycle, naming the tasks in it', () => {
    const result = plan([{ ref: 'start' }, { ref: 'a', dependsOn: ['c', 'start'] }, { ref: 'b', dependsOn: ['a'] }, { ref: 'c', dependsOn: ['b'] }, { ref: 'after', dependsOn: ['c'] }]);
    // Named in the order they would run: each before the one after it.
    expect(result).toEqual({ ok: false, message: 'tasks.2.dependsOn: task "b" is in a dependency cycle: b → c → a → b' });
    expect(plan([{ ref: 'self', dependsOn: ['self'] }])).toEqual({ ok: false, message: 'tasks.0.dependsOn: task "self" is in a dependency cycle: self → self' });
  });

  it('takes 1 to 1,000 tasks', () => {
    expect(plan([])).toEqual({ ok: false, message: 'tasks: a flow has 1 to 1000 tasks, got 0' });
    const many = Array.from({ length: MAX_FLOW_TASKS + 1 }, (_, i) => ({ ref: `t${i}` }));
    expect(plan(many)).toEqual({ ok: false, message: 'tasks: a flow has 1 to 1000 tasks, got 1001' });
    expect(plan(many.slice(0, MAX_FLOW_TASKS)).ok).toBe(true);
  });
});
