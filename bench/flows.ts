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

/**
 * How long one round took, from sending the mutation: until its answer, until all tasks but one
 * had SUCCEEDED (for the flow, until its fan-in could be released), and until all had.
 */
interface Timing {
  answeredMs: number;
  allButOneMs: number;
  ms: number;
}

/** One round: its timing, and for the flow the writes of its release and of its change log. */
interface FlowRound extends Timing {
  releaseWrites: number;
  changeWritesPerTask: number;
  /** For the flow, ms from the last part's end (as the worker recorded it) to the fan-in's READY, STARTED and SUCCEEDED. */
  tail?: { readyMs: number; startedMs: number; succeededMs: number };
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
    let waiter: { target: number; onAllButOne: () => void; resolve: () => void } | null = null;
    bus.watchAll({
      onChange: ({ event }) => {
        if (event.type !== 'SUCCEEDED') return;
        succeeded++;
        if (waiter && succeeded === waiter.target - 1) waiter.onAllButOne();
        if (waiter && succeeded >= waiter.target) waiter.resolve();
      },
      onResync: () => {},
    });
    /** The timing of `submit` until `size` more tasks have SUCCEEDED. */
    const timed = async (submit: () => Promise<unknown>): Promise<Timing> => {
      const target = succeeded + size;
      let allButOneAt = Number.NaN;
      const done = new Promise<void>((resolve) => (waiter = { target, onAllButOne: () => (allButOneAt = performance.now()), resolve }));
      const start = performance.now();
      await submit();
      const answeredMs = performance.now() - start;
      await within(done, roundTimeoutMs, 'all tasks SUCCEEDED');
      return { answeredMs, allButOneMs: allButOneAt - start, ms: performance.now() - start };
    };
    const echo = (i: number) => ({ type: 'echo', input: { i } });
    const tasks = ns.db.collection<{ ref?: string; finishedAt: Date | null; events?: { type: string; at: Date }[] }>('tasks');
    // Every round starts from empty collections, as the stores' costs grow with them.
    const empty = async () => {
      await Promise.all(['tasks', 'flows', 'flow_changes'].map((name) => ns.db.collection(name).deleteMany({})));
    };

    const rounds = await alternate(roundsFor(ctx), {
      tasks: async (): Promise<FlowRound> => {
        const timing = await timed(() => request(api.port, ENQUEUE_TASKS, { inputs: Array.from({ length: size }, (_, i) => echo(i)) }));
        await empty();
        return { ...timing, releaseWrites: 0, changeWritesPerTask: 0 };
      },
      flow: async (): Promise<FlowRound> => {
        const parts = Array.from({ length: size - 1 }, (_, i) => ({ ref: `part${i}`, ...echo(i) }));
        const join = { ref: 'join', ...echo(size), dependsOn: parts.map((p) => p.ref) };
        let flowId = '';
        const timing = await timed(async () => {
          flowId = (await request(api.port, ENQUEUE_FLOW, { input: { name: 'fan-in', tasks: [...parts, join] } })).enqueueFlow.id;
        });
        // The released task's writes for its release: its READY event (each event is one
        // version-guarded update). The flow's changes: one insert each, and one update of the
        // flow's hint after each but the first.
        const joined = await tasks.findOne({ flowId, ref: 'join' } as never, { projection: { events: 1 } });
        const releaseWrites = joined?.events?.filter((e) => e.type === 'READY').length ?? Number.NaN;
        const [lastPart] = await tasks.find({ flowId, ref: { $ne: 'join' } } as never, { projection: { finishedAt: 1 } }).sort({ finishedAt: -1 }).limit(1).toArray();
        const after = (type: string) => (joined?.events?.find((e) => e.type === type)?.at.getTime() ?? Number.NaN) - (lastPart?.finishedAt?.getTime() ?? Number.NaN);
        const tail = { readyMs: after('READY'), startedMs: after('STARTED'), succeededMs: after('SUCCEEDED') };
        const changes = await ns.db.collection('flow_changes').countDocuments({ flowId });
        await empty();
        return { ...timing, releaseWrites, changeWritesPerTask: (2 * changes - 1) / size, tail };
      },
    });

    const m = { tasks: median(rounds.tasks.map((r) => r.ms)), flow: median(rounds.flow.map((r) => r.ms)) };
    const phases = (timings: Timing[]) => ({
      answeredMs: median(timings.map((t) => t.answeredMs)),
      allButOneMs: median(timings.map((t) => t.allButOneMs)),
      lastMs: median(timings.map((t) => t.ms - t.allButOneMs)),
    });
    const tails = rounds.flow.flatMap((r) => (r.tail ? [r.tail] : []));
    const tail = { readyMs: median(tails.map((t) => t.readyMs)), startedMs: median(tails.map((t) => t.startedMs)), succeededMs: median(tails.map((t) => t.succeededMs)) };
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
      details: { size, rounds, medians: m, phases: { tasks: phases(rounds.tasks), flow: phases(rounds.flow) }, tail, releaseWrites, changeWritesPerTask },
    };
  },
};
