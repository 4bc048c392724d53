/**
 * Flows on the real servers and worker: a chain passing results along, a group and chord watched
 * live with gap-free versions, the three dependency-failure policies, retryTask re-arming a failed
 * flow, cancelFlow, refused submissions that store nothing, and owner isolation.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { CancelFlowDocument, EnqueueFlowDocument, FlowDocument, FlowUpdatedDocument, RetryTaskDocument, TaskEventsDocument, type FlowTaskInput } from '../../schema/generated/graphql.ts';
import type { Principal } from '../../src/auth/principal.ts';
import { FlowNotFoundError } from '../../src/errors.ts';
import { startAttempt, succeed } from '../../src/model/state-machine.ts';
import { flowReconcilerChore } from '../../worker/flow-reconciler.ts';
import { retentionChore } from '../../worker/retention.ts';
import { builtinHandlers } from '../../worker/handlers/index.ts';
import { TestClock } from '../support/clock.ts';
import { errorCode, startStack, type Stack } from '../support/stack.ts';
import { testTaskType } from '../support/task-types.ts';

/** `add` plus the sum of the dependencies' values, and which dependencies were seen. */
const sumOf = (add: number, dependencies: Record<string, { result: unknown }>) => ({
  value: Object.values(dependencies).reduce((sum, d) => sum + (d.result as { value: number }).value, add),
  seen: Object.keys(dependencies).sort(),
});
/** Adds `add` to the sum of its dependencies' values. */
const step = testTaskType({
  name: 'step',
  input: z.object({ add: z.number() }),
  handler: ({ add }, ctx) => sumOf(add, ctx.dependencies),
});
/** As `step`, once the test opens the gate: so a subscriber is live before the flow first changes. */
let openGate = () => {};
const gate = new Promise<void>((resolve) => (openGate = resolve));
const gatedStep = testTaskType({
  name: 'gated-step',
  input: z.object({ add: z.number() }),
  handler: async ({ add }, ctx) => {
    await gate;
    return sumOf(add, ctx.dependencies);
  },
});
/** Fails the first attempt of each task unless told not to; never retried by itself. */
const failedOnce = new Set<string>();
const flaky = testTaskType({
  name: 'flaky',
  input: z.object({ failFirst: z.boolean() }),
  maxAttempts: 1,
  handler: ({ failFirst }, ctx) => {
    if (failFirst && !failedOnce.has(ctx.taskId)) {
      failedOnce.add(ctx.taskId);
      throw new Error('first try fails');
    }
    return { value: 1 };
  },
});
/** Reports how its dependencies ended. */
const report = testTaskType({
  name: 'report',
  input: z.object({}),
  handler: (_, ctx) => Object.fromEntries(Object.entries(ctx.dependencies).map(([ref, d]) => [ref, { state: d.state, error: d.error?.message ?? null }])),
});

let stack: Stack;
beforeAll(async () => {
  stack = await startStack('flows', { handlers: [...builtinHandlers, step, gatedStep, flaky, report] });
});
afterAll(() => stack?.close());

const submit = async (tasks: FlowTaskInput[], name = 'test') => (await stack.client.data(EnqueueFlowDocument, { input: { name, tasks } })).enqueueFlow;
const settled = (id: string) => stack.client.watch(FlowUpdatedDocument, { id }).completed;
const read = async (id: string) => (await stack.client.data(FlowDocument, { id })).flow!;
const byRef = (flow: Awaited<ReturnType<typeof read>>) => Object.fromEntries(flow.tasks.map((t) => [t.ref!, t]));

describe('flows', () => {
  it('runs a chain a → b → c, each reading the result before it; the flow SUCCEEDED with c', async () => {
    const submitted = await submit([
      { ref: 'c', type: 'step', input: { add: 100 }, dependsOn: ['b'] },
      { ref: 'a', type: 'step', input: { add: 1 } },
      { ref: 'b', type: 'step', input: { add: 10 }, dependsOn: ['a'] },
    ]);
    expect(submitted).toMatchObject({ name: 'test', state: 'RUNNING', version: 1, progress: 0 });
    // In dependency order; b and c wait for theirs.
    expect(submitted.tasks.map((t) => t.ref)).toEqual(['a', 'b', 'c']);
    // The tasks are read as the response is made, when the worker may already have run a and
    // released b: that b and c began WAITING is in their event logs, below.
    expect(submitted.tasks[1]).toMatchObject({ flowId: submitted.id, dependsOn: [{ ref: 'a' }], parent: null, children: [] });

    const updates = (await settled(submitted.id)).map((r) => r.data!.flowUpdated);
    expect(updates.at(-1)).toMatchObject({ state: 'SUCCEEDED', progress: 1 });
    const tasks = byRef(await read(submitted.id));
    expect(tasks['b']!.result).toEqual({ value: 11, seen: ['a'] });
    expect(tasks['c']!.result).toEqual({ value: 111, seen: ['b'] });
    for (const ref of ['b', 'c']) {
      const events = (await stack.client.watch(TaskEventsDocument, { id: tasks[ref]!.id }).completed).map((r) => r.data!.taskEvents);
      expect(events.map((e) => e.type)).toEqual(['CREATED', 'READY', 'STARTED', 'SUCCEEDED']);
      expect(events[0]!.state).toBe('WAITING');
    }
  });

  it('runs a group of 20 and a chord over them; a subscriber sees progress rise with consecutive versions', async () => {
    const group = Array.from({ length: 20 }, (_, i): FlowTaskInput => ({ ref: `part${i}`, type: 'gated-step', input: { add: i } }));
    const submitted = await submit([...group, { ref: 'total', type: 'step', input: { add: 0 }, dependsOn: group.map((t) => t.ref) }]);
    const watch = stack.client.watch(FlowUpdatedDocument, { id: submitted.id });
    await watch.until(() => true);
    openGate();
    const updates = (await watch.completed).map((r) => r.data!.flowUpdated);
    expect(updates.map((u) => u.version)).toEqual(updates.map((_, i) => i + 1));
    const progress = updates.map((u) => u.progress);
    expect(progress[0]).toBe(0);
    expect(progress.at(-1)).toBe(1);
    expect(progress).toEqual([...progress].sort((a, b) => a - b));
    expect(updates.at(-1)).toMatchObject({ state: 'SUCCEEDED' });
    expect(updates.slice(0, -1).every((u) => u.state === 'RUNNING')).toBe(true);
    const total = byRef(await read(submitted.id))['total']!;
    expect(total.result).toEqual({ value: 190, seen: group.map((t) => t.ref).sort() });
  });

  it('fails, skips or runs a dependent of a failed task as its policy says; the flow FAILED', async () => {
    const submitted = await submit([
      { ref: 'a', type: 'flaky', input: { failFirst: true } },
      { ref: 'fails', type: 'report', input: {}, dependsOn: ['a'], onDependencyFailure: 'FAIL' },
      { ref: 'skips', type: 'report', input: {}, dependsOn: ['a'], onDependencyFailure: 'SKIP' },
      { ref: 'runs', type: 'report', input: {}, dependsOn: ['a'], onDependencyFailure: 'RUN' },
      { ref: 'after', type: 'report', input: {}, dependsOn: ['fails'] },
    ]);
    const updates = (await settled(submitted.id)).map((r) => r.data!.flowUpdated);
    expect(updates.at(-1)).toMatchObject({ state: 'FAILED', progress: 1 });
    const tasks = byRef(await read(submitted.id));
    expect(tasks['fails']).toMatchObject({ state: 'FAILED', error: { name: 'DependencyFailedError', message: `dependency "a" (task ${tasks['a']!.id}) is FAILED` } });
    expect(tasks['after']).toMatchObject({ state: 'FAILED', error: { name: 'DependencyFailedError' } });
    expect(tasks['skips']!.state).toBe('CANCELLED');
    const skipped = (await stack.client.watch(TaskEventsDocument, { id: tasks['skips']!.id }).completed).map((r) => r.data!.taskEvents);
    expect(skipped.at(-1)).toMatchObject({ type: 'SKIPPED', state: 'CANCELLED', reason: 'dependency "a" is FAILED' });
    expect(tasks['runs']).toMatchObject({ state: 'SUCCEEDED', result: { a: { state: 'FAILED', error: 'first try fails' } } });
  });

  it('re-arms the dependents of a retried task: the FAILED flow is RUNNING again, then SUCCEEDED', async () => {
    const submitted = await submit([
      { ref: 'a', type: 'flaky', input: { failFirst: true } },
      { ref: 'b', type: 'step', input: { add: 1 }, dependsOn: ['a'] },
      { ref: 'c', type: 'step', input: { add: 1 }, dependsOn: ['b'] },
    ]);
    expect((await settled(submitted.id)).at(-1)!.data!.flowUpdated.state).toBe('FAILED');
    const failed = byRef(await read(submitted.id));
    expect([failed['b']!.state, failed['c']!.state]).toEqual(['FAILED', 'FAILED']);

    await stack.client.data(RetryTaskDocument, { id: failed['a']!.id });
    const updates = (await settled(submitted.id)).map((r) => r.data!.flowUpdated);
    expect(updates.at(-1)).toMatchObject({ state: 'SUCCEEDED', progress: 1 });
    // The whole story, from the flow's change log: failed, running again, then done.
    const story = await stack.runtime.flowStore.changesAfter({ id: submitted.id, owner: 'anonymous' }, 0);
    expect(story.map((c) => c.version)).toEqual(story.map((_, i) => i + 1));
    const states = story.map((c) => c.state).filter((state, i, all) => state !== all[i - 1]);
    expect(states).toEqual(['RUNNING', 'FAILED', 'RUNNING', 'SUCCEEDED']);
    const tasks = byRef(await read(submitted.id));
    expect(tasks['c']).toMatchObject({ state: 'SUCCEEDED', result: { value: 3 } });
  });

  it('cancels everything unfinished with cancelFlow, running tasks included; nothing starts afterwards', async () => {
    const submitted = await submit([
      { ref: 'long', type: 'sleep', input: { ms: 60_000, steps: 600 } },
      { ref: 'next', type: 'step', input: { add: 1 }, dependsOn: ['long'] },
    ]);
    const longId = submitted.tasks[0]!.id;
    await stack.client.watch(TaskEventsDocument, { id: longId }).until((r) => r.data?.taskEvents.type === 'STARTED');
    const cancelled = (await stack.client.data(CancelFlowDocument, { id: submitted.id, reason: 'enough' })).cancelFlow;
    expect(cancelled.tasks.map((t) => t.state)).toEqual(['CANCELLED', 'CANCELLED']);
    expect(cancelled).toMatchObject({ state: 'CANCELLED', progress: 1 });
    expect((await settled(submitted.id)).at(-1)!.data!.flowUpdated).toMatchObject({ state: 'CANCELLED', progress: 1 });
    const next = (await stack.client.watch(TaskEventsDocument, { id: submitted.tasks[1]!.id }).completed).map((r) => r.data!.taskEvents.type);
    expect(next).toEqual(['CREATED', 'CANCELLED']);
  });

  it.each([
    ['a cycle', [{ ref: 'a', type: 'step', input: { add: 1 }, dependsOn: ['b'] }, { ref: 'b', type: 'step', input: { add: 1 }, dependsOn: ['a'] }], /task "a" is in a dependency cycle: b → a → b|task "b"/],
    ['an unknown ref', [{ ref: 'a', type: 'step', input: { add: 1 }, dependsOn: ['ghost'] }], /task "a" depends on unknown ref "ghost"/],
    ['a duplicate ref', [{ ref: 'a', type: 'step', input: { add: 1 } }, { ref: 'a', type: 'step', input: { add: 2 } }], /tasks\.1\.ref: "a" is also the ref of tasks\.0/],
    ['an unknown type', [{ ref: 'ok', type: 'step', input: { add: 1 } }, { ref: 'odd', type: 'nope', input: {} }], /task "odd": tasks\.1\.type: unknown task type "nope"/],
    ['invalid input', [{ ref: 'ok', type: 'step', input: { add: 1 } }, { ref: 'bad', type: 'step', input: { add: 'x' }, dependsOn: ['ok'] }], /task "bad": tasks\.1\.input\.add/],
  ] as [string, FlowTaskInput[], RegExp][])('refuses %s with BAD_USER_INPUT naming the task, storing nothing', async (_, tasks, message) => {
    const before = await stored();
    const result = await stack.client.request(EnqueueFlowDocument, { input: { name: 'bad', tasks } });
    expect(errorCode(result)).toBe('BAD_USER_INPUT');
    expect(result.errors?.[0]?.message).toMatch(message);
    expect(await stored()).toEqual(before);
  });

  it("gives a handler only its own dependencies, of a flow many times larger than them", async () => {
    const others = Array.from({ length: 6 }, (_, i): FlowTaskInput => ({ ref: `x${i}`, type: 'step', input: { add: i } }));
    const submitted = await submit([...others, { ref: 'reads', type: 'report', input: {}, dependsOn: ['x0', 'x5'] }]);
    await settled(submitted.id);
    expect(byRef(await read(submitted.id))['reads']!.result).toEqual({ x0: { state: 'SUCCEEDED', error: null }, x5: { state: 'SUCCEEDED', error: null } });
  });

  it('returns the earlier flow for a repeated idempotency key, storing nothing more', async () => {
    const input = { idempotencyKey: 'nightly-2026-12-01', tasks: [{ ref: 'a', type: 'step', input: { add: 1 } }] };
    const first = (await stack.client.data(EnqueueFlowDocument, { input })).enqueueFlow;
    const before = await stored();
    const again = (await stack.client.data(EnqueueFlowDocument, { input })).enqueueFlow;
    expect(again.id).toBe(first.id);
    expect(again.tasks.map((t) => t.id)).toEqual(first.tasks.map((t) => t.id));
    expect(await stored()).toEqual(before);
    await settled(first.id);
  });

  it("keeps flows to their owner: another owner's flow is null and NOT_FOUND", async () => {
    const submitted = await submit([{ ref: 'a', type: 'step', input: { add: 1 } }]);
    const other: Principal = { owner: 'someone-else', scopes: new Set(['tasks:read', 'tasks:write']), taskIds: null, expiresAt: null };
    expect(await stack.runtime.flows.get(other, submitted.id)).toBeNull();
    await expect(stack.runtime.flows.cancel(other, submitted.id, null)).rejects.toThrow(FlowNotFoundError);
    await expect(stack.runtime.flows.watch(other, submitted.id)).rejects.toThrow(FlowNotFoundError);
    const missing = await stack.client.request(CancelFlowDocument, { id: 'no-such-flow' });
    expect(errorCode(missing)).toBe('NOT_FOUND');
    await settled(submitted.id);
  });
});

/** How many tasks and flows are stored. */
async function stored(): Promise<{ tasks: number; flows: number }> {
  const { db } = stack.runtime;
  return { tasks: await db.collection('tasks').countDocuments(), flows: await db.collection('flows').countDocuments() };
}

describe('flows left behind by a process that died', () => {
  let quiet: Stack;
  const clock = new TestClock();
  beforeAll(async () => {
    // No worker, and a reconciler (and retention) that runs only when the test says so.
    quiet = await startStack('flows-stranded', {
      handlers: [...builtinHandlers, step, gatedStep, flaky, report],
      worker: false,
      env: { RECONCILE_GRACE_MS: '0', RECONCILE_INTERVAL_MS: '3600000', RESULT_TTL_SECONDS: '60' },
      now: clock.now,
    });
  });
  afterAll(() => quiet?.close());

  it('releases a task whose dependency was recorded final by a process that died before releasing it', async () => {
    const { runtime } = quiet;
    const flow = (await quiet.client.data(EnqueueFlowDocument, {
      input: { tasks: [{ ref: 'a', type: 'step', input: { add: 1 } }, { ref: 'b', type: 'step', input: { add: 1 }, dependsOn: ['a'] }] },
    })).enqueueFlow;
    const [a, b] = flow.tasks.map((t) => t.id) as [string, string];
    // What a worker writes for a, straight to the store: the recorder's follow-up never runs.
    await succeedInStore(runtime, a, clock.now());
    expect((await runtime.store.get({ id: b, owner: 'anonymous' }))?.state).toBe('WAITING');

    expect(await flowReconcilerChore(runtime).run()).toEqual([b]);
    const released = (await runtime.store.get({ id: b, owner: 'anonymous' }))!;
    expect(released.state).toBe('PENDING');
    expect(await runtime.queues.jobState(released)).toMatch(/^(waiting|prioritized)$/);
    expect((await quiet.client.data(FlowDocument, { id: flow.id })).flow).toMatchObject({ state: 'RUNNING', version: 2, progress: 0.5 });
    // Doing it again changes nothing.
    expect(await flowReconcilerChore(runtime).run()).toEqual([]);
    expect((await runtime.store.get({ id: b, owner: 'anonymous' }))?.version).toBe(released.version);
  });

  it('releases a fan-in of 80 when its last dependency ends, however many ended in other processes', async () => {
    const { runtime } = quiet;
    const parts = Array.from({ length: 80 }, (_, i): FlowTaskInput => ({ ref: `part${i}`, type: 'step', input: { add: i } }));
    const flow = (await quiet.client.data(EnqueueFlowDocument, {
      input: { tasks: [...parts, { ref: 'join', type: 'step', input: { add: 0 }, dependsOn: parts.map((p) => p.ref) }] },
    })).enqueueFlow;
    const ids = parts.map((p) => flow.tasks.find((t) => t.ref === p.ref)!.id);
    const join = async () => (await runtime.store.get({ id: flow.tasks.find((t) => t.ref === 'join')!.id, owner: 'anonymous' }))!;
    // The last submitted ends first: more are unfinished then than one question lists.
    await succeedByRecorder(runtime, ids[79]!, clock.now());
    for (const id of ids.slice(0, 40)) {
      await succeedByRecorder(runtime, id, clock.now());
      expect((await join()).state).toBe('WAITING');
    }
    // Ended by another process, which this one hears nothing of (written straight to the store).
    for (const id of ids.slice(40, 78)) await succeedInStore(runtime, id, clock.now());
    expect((await join()).state).toBe('WAITING');
    await succeedByRecorder(runtime, ids[78]!, clock.now());
    const released = await join();
    expect(released.state).toBe('PENDING');
    expect(await runtime.queues.jobState(released)).toMatch(/^(waiting|prioritized)$/);
  });

  it('fails a dependent whose dependency the retention deleted before the last one ended', async () => {
    const { runtime } = quiet;
    const flow = (await quiet.client.data(EnqueueFlowDocument, {
      input: {
        tasks: [
          { ref: 'a', type: 'step', input: { add: 1 } },
          { ref: 'b', type: 'step', input: { add: 1 } },
          { ref: 'join', type: 'step', input: { add: 0 }, dependsOn: ['a', 'b'], onDependencyFailure: 'FAIL' },
        ],
      },
    })).enqueueFlow;
    const [a, b, join] = flow.tasks.map((t) => t.id) as [string, string, string];
    await succeedByRecorder(runtime, a, clock.now());
    clock.passTo((await runtime.store.get({ id: a, owner: 'anonymous' }))!.expiresAt!);
    await retentionChore(runtime).run();
    expect(await runtime.db.collection('tasks').countDocuments({ _id: a as never })).toBe(0);
    await succeedByRecorder(runtime, b, clock.now());
    const failed = (await runtime.store.get({ id: join, owner: 'anonymous' }))!;
    expect(failed).toMatchObject({ state: 'FAILED', error: { name: 'DependencyFailedError' } });
    expect(failed.error?.message).toBe(`dependency "${a}" (task ${a}) is CANCELLED`);
  });

  it('deletes a submission that stopped before storing all its tasks, and one that stored them before it was marked submitted', async () => {
    const { runtime } = quiet;
    const record = (id: string, taskIds: string[]) => ({ id, owner: 'anonymous', name: null, tags: [], idempotencyKey: null, taskIds, createdAt: new Date(Date.now() - 1000) });
    await runtime.flowStore.insert(record('half-written', ['never-stored']));
    // A submission whose process died after storing the tasks, before marking it submitted.
    const whole = (await quiet.client.data(EnqueueFlowDocument, { input: { tasks: [{ ref: 'x', type: 'step', input: { add: 1 } }] } })).enqueueFlow;
    await runtime.db.collection('flows').updateOne({ _id: whole.id as never }, { $set: { submitted: false, createdAt: new Date(Date.now() - 1000) } });
    expect((await quiet.client.data(FlowDocument, { id: whole.id })).flow).toBeNull();

    await flowReconcilerChore(runtime).run();
    for (const id of ['half-written', whole.id]) {
      expect(await runtime.db.collection('flows').countDocuments({ _id: id as never })).toBe(0);
      expect(await runtime.db.collection('flow_changes').countDocuments({ flowId: id })).toBe(0);
      expect(await runtime.db.collection('tasks').countDocuments({ flowId: id })).toBe(0);
    }
  });

  it('answers CONFLICT to a repeated idempotency key while the earlier submission is unfinished', async () => {
    const { runtime } = quiet;
    const input = { idempotencyKey: 'under-way', tasks: [{ ref: 'x', type: 'step', input: { add: 1 } }] };
    const first = (await quiet.client.data(EnqueueFlowDocument, { input })).enqueueFlow;
    await runtime.db.collection('flows').updateOne({ _id: first.id as never }, { $set: { submitted: false } });
    const again = await quiet.client.request(EnqueueFlowDocument, { input });
    expect(errorCode(again)).toBe('CONFLICT');
    expect(again.errors?.[0]?.message).toMatch(/idempotencyKey "under-way" has not completed/);
  });

  it('deletes a flow and its change log with its last task, by the tasks’ retention', async () => {
    const { runtime } = quiet;
    const flow = (await quiet.client.data(EnqueueFlowDocument, {
      input: { tasks: [{ ref: 'a', type: 'step', input: { add: 1 } }, { ref: 'b', type: 'step', input: { add: 1 }, dependsOn: ['a'] }] },
    })).enqueueFlow;
    const [a, b] = flow.tasks.map((t) => t.id) as [string, string];
    const owner = 'anonymous';
    await succeedInStore(runtime, a, clock.now());
    // b ends a second later, so it expires a second after a.
    clock.advance(1000);
    await runtime.flows.cancel({ owner, scopes: new Set(['tasks:read', 'tasks:write']), taskIds: null, expiresAt: null }, flow.id, null);
    const stored = async () => ({
      flows: await runtime.db.collection('flows').countDocuments({ _id: flow.id as never }),
      changes: await runtime.db.collection('flow_changes').countDocuments({ flowId: flow.id }),
    });
    expect((await stored()).changes).toBeGreaterThan(1);

    // a expires first: b is kept, and so is the flow.
    const aExpires = (await runtime.store.get({ id: a, owner }))!.expiresAt!;
    const bExpires = (await runtime.store.get({ id: b, owner }))!.expiresAt!;
    expect(bExpires.getTime()).toBeGreaterThan(aExpires.getTime());
    clock.passTo(aExpires);
    await retentionChore(runtime).run();
    expect(await stored()).toMatchObject({ flows: 1 });
    expect((await quiet.client.data(FlowDocument, { id: flow.id })).flow?.tasks.map((t) => t.ref)).toEqual(['b']);
    clock.passTo(bExpires);
    await retentionChore(runtime).run();
    expect(await stored()).toEqual({ flows: 0, changes: 0 });
    expect((await quiet.client.data(FlowDocument, { id: flow.id })).flow).toBeNull();
  });
});

/** Start and succeed task `id` through the recorder, as a worker does: what follows from its end is carried out. */
async function succeedByRecorder(runtime: Stack['runtime'], id: string, now: Date): Promise<void> {
  const pending = (await runtime.store.get({ id, owner: 'anonymous' }))!;
  const started = await runtime.recorder.record(pending, (t) => startAttempt(t, 'test-worker', now));
  if (!started.ok) throw new Error(`could not start ${id}: ${started.reason}`);
  const done = await runtime.recorder.record(started.task, (t) => succeed(t, 1, { value: 1 }, now));
  if (!done.ok) throw new Error(`could not finish ${id}: ${done.reason}`);
}

/** Start and succeed task `id` with the writes a worker makes, straight to the store: nothing follows from them. */
async function succeedInStore(runtime: Stack['runtime'], id: string, now: Date): Promise<void> {
  const pending = (await runtime.store.get({ id, owner: 'anonymous' }))!;
  const started = startAttempt(pending, 'dead-worker', now);
  if (!started.ok || !(await runtime.store.commit(pending, started))) throw new Error(`could not start ${id}`);
  const done = succeed(started.task, 1, { value: 1 }, now);
  if (!done.ok || !(await runtime.store.commit(started.task, done))) throw new Error(`could not finish ${id}`);
}
