/**
 * Flows as production runs them: an API process and two worker processes. A group and chord
 * released across the workers and watched live through the API; and a worker SIGKILLed while it
 * runs the dependency a task waits for: the other worker finishes it and releases the task.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EnqueueFlowDocument, FlowDocument, FlowUpdatedDocument, TaskDocument, TaskUpdatedDocument, type FlowTaskInput } from '../../schema/generated/graphql.ts';
import { TestClient } from '../support/graphql-client.ts';
import { startProcess, startTogether, type TaskqlProcess } from '../support/processes.ts';
import { testEnv } from '../support/runtime.ts';

let processes: TaskqlProcess[] = [];
let api: TestClient;

beforeAll(async () => {
  // Short heartbeats and locks, so that a killed worker's job is handed on in about two seconds.
  const env = testEnv('e2e-flows', { WORKER_HEARTBEAT_MS: '300', WORKER_LOCK_MS: '2000' });
  processes = await startTogether([startProcess('api', env), startProcess('worker', env), startProcess('worker', env)]);
  api = new TestClient(processes[0]!.port);
  await api.connected;
});

afterAll(async () => {
  await api?.close();
  await Promise.all(processes.map((p) => p.stop()));
});

describe('flows across processes', () => {
  it('runs a group of 10 and a chord over them on two workers; flowUpdated counts every change', async () => {
    const group = Array.from({ length: 10 }, (_, i): FlowTaskInput => ({ ref: `part${i}`, type: 'echo', input: { i } }));
    const tasks = [...group, { ref: 'chord', type: 'echo', input: { done: true }, dependsOn: group.map((t) => t.ref) }];
    const { enqueueFlow } = await api.data(EnqueueFlowDocument, { input: { name: 'fan-in', tasks } });
    const updates = (await api.watch(FlowUpdatedDocument, { id: enqueueFlow.id }).completed).map((r) => r.data!.flowUpdated);
    // The workers may have recorded changes before the subscription began: it starts at the flow
    // as it is then, and every later version follows without a gap.
    const first = updates[0]!.version;
    expect(updates.map((u) => u.version)).toEqual(updates.map((_, i) => first + i));
    expect(updates.at(-1)).toMatchObject({ state: 'SUCCEEDED', progress: 1 });
    const { flow } = await api.data(FlowDocument, { id: enqueueFlow.id });
    expect(flow?.tasks.at(-1)).toMatchObject({ ref: 'chord', state: 'SUCCEEDED', result: { done: true } });
  });

  it('releases the dependent of a task whose worker was SIGKILLed mid-attempt, once the other worker finishes it', async () => {
    const { enqueueFlow } = await api.data(EnqueueFlowDocument, {
      input: { tasks: [{ ref: 'slow', type: 'sleep', input: { ms: 1500, steps: 5 } }, { ref: 'then', type: 'echo', input: { after: 'slow' }, dependsOn: ['slow'] }] },
    });
    const [slow, then] = enqueueFlow.tasks.map((t) => t.id) as [string, string];
    const settled = api.watch(FlowUpdatedDocument, { id: enqueueFlow.id }).completed;
    const running = await api.watch(TaskUpdatedDocument, { id: slow }).until((r) => r.data?.taskUpdated.state === 'RUNNING');
    const victimId = running.data?.taskUpdated.attempts[0]?.workerId ?? '';
    const victim = processes.find((p) => p.child.pid !== undefined && victimId.includes(`:${p.child.pid}:`));
    expect(victim).toBeDefined();
    victim?.child.kill('SIGKILL');

    expect((await settled).at(-1)?.data?.flowUpdated).toMatchObject({ state: 'SUCCEEDED', progress: 1 });
    const slowTask = (await api.data(TaskDocument, { id: slow })).task;
    expect(slowTask?.attempts.map((a) => a.outcome)).toEqual(['STALLED', 'SUCCEEDED']);
    expect((await api.data(TaskDocument, { id: then })).task).toMatchObject({ state: 'SUCCEEDED', result: { after: 'slow' } });
  });
});
