/**
 * Children spawned by handlers, as production runs them: an API process and one worker process
 * that runs one attempt at a time (WORKER_CONCURRENCY=1), so a parent that held its slot while it
 * waited would never see its children run. 50 children and their results; a child's failure
 * failing its parent or only shown in its result; grandchildren; cancelling a parent; a spawn the
 * API refuses; a parent without children; a retried parent that spawns its children again.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CancelTaskDocument, EnqueueTaskDocument, TaskEventsDocument, TaskFamilyDocument, TaskUpdatedDocument } from '../../schema/generated/graphql.ts';
import { TestClient } from '../support/graphql-client.ts';
import { startProcess, startTogether, type TaskqlProcess } from '../support/processes.ts';
import { testEnv } from '../support/runtime.ts';
import { CHILD_TYPES } from './support/child-types.ts';

let processes: TaskqlProcess[] = [];
let api: TestClient;

beforeAll(async () => {
  const env = testEnv('e2e-children', { WORKER_CONCURRENCY: '1' });
  processes = await startTogether([startProcess('api', env, { imports: [CHILD_TYPES] }), startProcess('worker', env, { imports: [CHILD_TYPES] })]);
  api = new TestClient(processes[0]!.port);
  await api.connected;
});

afterAll(async () => {
  await api?.close();
  await Promise.all(processes.map((p) => p.stop()));
});

type Child = { type: string; input?: unknown; failParentOnChildFailure?: boolean };

/** Enqueue a `spawner` of `children`; resolves with its id and every state its subscriber saw, once it is final. */
async function spawnerOf(children: Child[], extra: { failFirstAttempt?: boolean } = {}) {
  const { enqueueTask } = await api.data(EnqueueTaskDocument, { input: { type: 'spawner', input: { children, ...extra } } });
  const updates = api.watch(TaskUpdatedDocument, { id: enqueueTask.task.id });
  return { id: enqueueTask.task.id, updates };
}

const family = async (id: string) => (await api.data(TaskFamilyDocument, { id })).task!;

describe('children across processes', () => {
  it('runs 50 children on a worker of concurrency 1 while their parent WAITS; the parent SUCCEEDED with their 50 results in spawn order', async () => {
    const children = Array.from({ length: 50 }, (_, i): Child => ({ type: 'echo', input: { i } }));
    const { id, updates } = await spawnerOf(children);
    const seen = (await updates.completed).map((r) => r.data!.taskUpdated);
    const waiting = seen.find((t) => t.state === 'WAITING');
    expect(waiting).toMatchObject({ waitReason: 'CHILDREN' });
    expect(seen.at(-1)).toMatchObject({ state: 'SUCCEEDED' });

    const parent = await family(id);
    expect(parent.attempts.map((a) => a.outcome)).toEqual(['SUCCEEDED']);
    expect(parent.children.map((c) => c.result)).toEqual(children.map((c) => c.input));
    expect(parent.result).toEqual({
      children: parent.children.map((c) => ({ id: c.id, type: 'echo', state: 'SUCCEEDED', result: c.result, error: null })),
    });
    const child = await family(parent.children[0]!.id);
    expect(child).toMatchObject({ parent: { id, type: 'spawner', state: 'SUCCEEDED' }, children: [] });
  });

  it('SUCCEEDS a parent that spawned no children at once, WAITING first', async () => {
    const { id, updates } = await spawnerOf([]);
    await updates.completed;
    // Its whole story, replayed: a snapshot subscriber that arrives after the parent ended sees only its end.
    const events = (await api.watch(TaskEventsDocument, { id, afterVersion: 0 }).completed).map((r) => r.data!.taskEvents.type);
    expect(events.slice(-2)).toEqual(['WAITING', 'SUCCEEDED']);
    expect(await family(id)).toMatchObject({ state: 'SUCCEEDED', result: { children: [] }, children: [] });
  });

  it('FAILS the parent, naming the child, when a child spawned with failParentOnChildFailure failed', async () => {
    const { id, updates } = await spawnerOf([
      { type: 'echo', input: { ok: true } },
      { type: 'fail', input: { message: 'boom', retryable: false }, failParentOnChildFailure: true },
    ]);
    expect((await updates.completed).at(-1)?.data?.taskUpdated.state).toBe('FAILED');
    const parent = await family(id);
    const failed = parent.children[1]!;
    expect(failed).toMatchObject({ type: 'fail', state: 'FAILED', failParentOnChildFailure: true, error: { message: 'boom' } });
    expect(parent.error).toMatchObject({ name: 'ChildFailedError', retryable: false });
    expect(parent.error?.message).toContain(`child 1 (task ${failed.id}, type "fail") is FAILED`);
    expect(parent.error?.message).toContain('boom');
  });

  it('SUCCEEDS without the flag, the failed child visible in its result', async () => {
    const { id, updates } = await spawnerOf([
      { type: 'fail', input: { message: 'boom', retryable: false } },
      { type: 'echo', input: { ok: true } },
    ]);
    expect((await updates.completed).at(-1)?.data?.taskUpdated.state).toBe('SUCCEEDED');
    const parent = await family(id);
    expect(parent.result).toMatchObject({
      children: [
        { type: 'fail', state: 'FAILED', result: null, error: { message: 'boom' } },
        { type: 'echo', state: 'SUCCEEDED', result: { ok: true }, error: null },
      ],
    });
  });

  it('runs grandchildren: a child that waits for its own children settles its parent when it ends', async () => {
    const { id, updates } = await spawnerOf([
      { type: 'spawner', input: { children: [{ type: 'echo', input: { g: 1 } }, { type: 'echo', input: { g: 2 } }] } },
      { type: 'echo', input: { c: 2 } },
    ]);
    expect((await updates.completed).at(-1)?.data?.taskUpdated.state).toBe('SUCCEEDED');
    const parent = await family(id);
    const [middle] = parent.children;
    expect(middle).toMatchObject({ type: 'spawner', state: 'SUCCEEDED' });
    expect(middle?.children.map((g) => g.state)).toEqual(['SUCCEEDED', 'SUCCEEDED']);
    expect(parent.result).toMatchObject({
      children: [{ type: 'spawner', result: { children: [{ result: { g: 1 } }, { result: { g: 2 } }] } }, { result: { c: 2 } }],
    });
    expect((await family(middle!.children[0]!.id)).parent?.id).toBe(middle?.id);
  });

  it('cancels the unfinished children, the running one through its worker, when the parent is cancelled', async () => {
    const { id, updates } = await spawnerOf(Array.from({ length: 3 }, (): Child => ({ type: 'sleep', input: { ms: 60_000, steps: 60 } })));
    await updates.until((r) => r.data?.taskUpdated.state === 'WAITING');
    const before = await family(id);
    expect(before).toMatchObject({ state: 'WAITING', waitReason: 'CHILDREN' });
    // The first child runs (one slot); the others wait in the queue.
    const first = api.watch(TaskUpdatedDocument, { id: before.children[0]!.id });
    await first.until((r) => r.data?.taskUpdated.state === 'RUNNING');

    const { cancelTask } = await api.data(CancelTaskDocument, { id, reason: 'not needed' });
    expect(cancelTask.state).toBe('CANCELLED');
    expect((await first.completed).at(-1)?.data?.taskUpdated.state).toBe('CANCELLED');
    const after = await family(id);
    expect(after.children.map((c) => c.state)).toEqual(['CANCELLED', 'CANCELLED', 'CANCELLED']);
    expect((await api.data(EnqueueTaskDocument, { input: { type: 'echo', input: { after: 'cancel' } } })).enqueueTask.task.state).toBe('PENDING');
  });

  it('throws to the handler when a spawn names an unknown type: the parent FAILED readably, the worker runs on', async () => {
    const { id, updates } = await spawnerOf([{ type: 'echo', input: {} }, { type: 'no-such-type', input: {} }]);
    expect((await updates.completed).at(-1)?.data?.taskUpdated.state).toBe('FAILED');
    const parent = await family(id);
    expect(parent.error).toMatchObject({ name: 'SpawnRefusedError', retryable: false });
    expect(parent.error?.message).toContain('spawn(1).type: unknown task type "no-such-type"');
    // Not retried though the type has 2 attempts: trying again cannot help.
    expect(parent.attempts.map((a) => a.outcome)).toEqual(['FAILED']);

    const { enqueueTask } = await api.data(EnqueueTaskDocument, { input: { type: 'echo', input: { still: 'here' } } });
    const done = await api.watch(TaskUpdatedDocument, { id: enqueueTask.task.id }).completed;
    expect(done.at(-1)?.data?.taskUpdated).toMatchObject({ state: 'SUCCEEDED', result: { still: 'here' } });
  });

  it('gives a retried attempt the children the failed one spawned, not new ones', async () => {
    const { id, updates } = await spawnerOf(
      [1, 2, 3].map((n): Child => ({ type: 'echo', input: { n } })),
      { failFirstAttempt: true },
    );
    expect((await updates.completed).at(-1)?.data?.taskUpdated.state).toBe('SUCCEEDED');
    const parent = await family(id);
    expect(parent.attempts.map((a) => a.outcome)).toEqual(['FAILED', 'SUCCEEDED']);
    expect(parent.children.map((c) => c.result)).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }]);
    expect(new Set(parent.children.map((c) => c.id)).size).toBe(3);
  });
});
