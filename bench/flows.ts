/**
 * Scenario 9, flows: a fan-out/fan-in flow — N − 1 `echo` tasks in parallel and one that depends
 * on all of them — submitted with `enqueueFlow`, against the same N tasks submitted with
 * `enqueueTasks` and no dependencies; time from sending the mutation until all N have SUCCEEDED
 * (the flow's last task is the one that waits). An API and a worker process (concurrency 50)
 * serve both. It also counts what releasing costs in MongoDB writes: the released task's own
 * writes for its release (READY), and the flow's change log writes per task.
 */
import { performance } from 'node:perf_hooks';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { parse } from 'graphql';
import type { EnqueueFlowInput, EnqueueTaskInput } from '../schema/generated/graphql.ts';
import { EventBus } from '../src/events/event-bus.ts';
import { PubSub } from '../src/redis/pubsub.ts';
import { alternate } from './lib/alternate.ts';
import { within } from './lib/context.ts';
import { request } from './lib/graphql.ts';
import { roundsFor, type Scenario } from './lib/scenario.ts';
import { median } from './lib/stats.ts';

const CONCURRENCY = 50;

/** The mutations with the least of an answer: the ids, so that reading the answer costs little. */
const ENQUEUE_TASKS = parse('mutation($inputs: [EnqueueTaskInput!]!) { enqueueTasks(inputs: $inputs) { task { id } } }') as TypedDocumentNode<unknown, { inputs: EnqueueTaskInput[] }>;
const ENQUEUE_FLOW = parse('mutation($input: EnqueueFlowInput!) { enqueueFlow(input: $input) { id } }') as TypedDocumentNode<{ enqueueFlow: { id: string } }, { input: EnqueueFlowInput }>;

/** One round of the flow: how long it took, and the writes of its release and of its change log. */
interface FlowRound {
  ms: number;
  releaseWrites: number;
  changeWritesPerTask: number;
}

export const flows: Scenario = {
  name: 'flows',
  async run(ctx) {
    const size = ctx.options.quick ? 50 : 1000;
    const ns = ctx.namespace('flows');
    const roundTimeoutMs = ctx.options.quick ? 30_000 : 300_000;
    const [api] = await Promise.all([ctx.taskql('api', ns), ctx.taskql('worker', ns, { WORKER_CONCURRENCY: String(CONCURRENCY) })]);

    // SUCCEEDED changes as the worker publishes them: how the runner knows a round is done.
    const bus = new EventBus(new PubSub(ctx.redis(), ctx.redis()), ns.prefix);
    await bus.start();
    let succeeded = 0;
    let waiter: { target: number; resolve: () => void } | null = null;
    bus.watchAll({
      onChange: ({ event }) => {
        if (event.type !== 'SUCCEEDED') return;
        succeeded++;
        if (waiter && succeeded >= waiter.target) waiter.resolve();
      },
      onResync: () => {},
    });
    /** Milliseconds from `submit` until `size` more tasks have SUCCEEDED. */
    const timed = async (submit: () => Promise<unknown>) => {
      const target = succeeded + size;
      const done = new Promise<void>((resolve) => (waiter = { target, resolve }));
      const start = performance.now();
      await submit();
      await within(done, roundTimeoutMs, 'all tasks SUCCEEDED');
      return performance.now() - start;
    };
    const echo = (i: number) => ({ type: 'echo', input: { i } });
    const tasks = ns.db.collection<{ ref?: string; version: number; events?: { type: string }[] }>('tasks');
    // Every round starts from empty collections, as the stores' costs grow with them.
    const empty = async () => {
      await Promise.all(['tasks', 'flows', 'flow_changes'].map((name) => ns.db.collection(name).deleteMany({})));
    };

    const rounds = await alternate(roundsFor(ctx), {
      tasks: async () => {
        const ms = await timed(() => request(api.port, ENQUEUE_TASKS, { inputs: Array.from({ length: size }, (_, i) => echo(i)) }));
        await empty();
        return { ms, releaseWrites: 0, changeWritesPerTask: 0 };
      },
      flow: async (): Promise<FlowRound> => {
        const parts = Array.from({ length: size - 1 }, (_, i) => ({ ref: `part${i}`, ...echo(i) }));
        const join = { ref: 'join', ...echo(size), dependsOn: parts.map((p) => p.ref) };
        let flowId = '';
        const ms = await timed(async () => {
          flowId = (await request(api.port, ENQUEUE_FLOW, { input: { name: 'fan-in', tasks: [...parts, join] } })).enqueueFlow.id;
        });
        // The released task's writes for its release: its READY event (each event is one
        // version-guarded update). The flow's changes: one insert each, and one update of the
        // flow's hint after each but the first.
        const joined = await tasks.findOne({ flowId, ref: 'join' } as never, { projection: { events: 1 } });
        const releaseWrites = joined?.events?.filter((e) => e.type === 'READY').length ?? Number.NaN;
        const changes = await ns.db.collection('flow_changes').countDocuments({ flowId });
        await empty();
        return { ms, releaseWrites, changeWritesPerTask: (2 * changes - 1) / size };
      },
    });

    const m = { tasks: median(rounds.tasks.map((r) => r.ms)), flow: median(rounds.flow.map((r) => r.ms)) };
    const releaseWrites = median(rounds.flow.map((r) => r.releaseWrites));
    const changeWritesPerTask = median(rounds.flow.map((r) => r.changeWritesPerTask));
    const scenario = '9 flows';
    const count = size.toLocaleString('en-US');
    return {
      rows: [
        {
          scenario,
          measure: `${count} echo tasks submitted → all SUCCEEDED: a flow of ${size - 1} parallel + 1 depending on all, concurrency ${CONCURRENCY}`,
          baseline: `enqueueTasks of ${count}, no dependencies`,
          baselineValue: m.tasks,
          taskql: m.flow,
          unit: 'ms',
          compare: 'ratio',
          goal: { text: '≤ 1.5×', met: m.flow <= 1.5 * m.tasks },
        },
        { scenario, measure: 'MongoDB writes per released task (its READY)', baseline: '', baselineValue: null, taskql: releaseWrites, unit: 'updates', compare: 'ratio' },
        { scenario, measure: "MongoDB writes per task for the flow's change log", baseline: '', baselineValue: null, taskql: changeWritesPerTask, unit: 'writes', compare: 'ratio' },
      ],
      details: { size, rounds, medians: m, releaseWrites, changeWritesPerTask },
    };
  },
};
