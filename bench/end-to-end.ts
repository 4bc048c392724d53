/**
 * Scenario 5, end to end: a client enqueues `echo` tasks over HTTP at a fixed rate and watches
 * each with `taskUpdated` until SUCCEEDED; latency is from sending the enqueue to receiving
 * SUCCEEDED. Then the rate is doubled step by step, from 10 tasks/s until a step is not
 * sustained (p99 under 1 s, every task done), to find the highest load that is. An API and a
 * worker process (concurrency 50) serve it.
 */
import { EnqueueTaskDocument, TaskUpdatedDocument } from '../schema/generated/graphql.ts';
import { alternate } from './lib/alternate.ts';
import { paced, wallNow, within } from './lib/context.ts';
import { echoInput } from './lib/direct.ts';
import { connect, request, subscribe } from './lib/graphql.ts';
import { roundsFor, type Scenario } from './lib/scenario.ts';
import { medianOf, percentile } from './lib/stats.ts';

const CONCURRENCY = 50;
/** p99 a load must stay under to count as sustained. */
const SUSTAINED_P99_MS = 1_000;
/** Tasks in flight beyond which the client stops offering more (the load is then not sustained). */
const MAX_IN_FLIGHT = 2_000;
/** The ladder's first step; each next step doubles the rate until one is not sustained. */
const FIRST_STEP = 10;
/** Where the ladder stops even if every step held (far beyond what one machine here sustains). */
const LAST_STEP = 10 * 2 ** 12;

/** One offered load: latency percentiles (ms) and the share of tasks that succeeded in time. */
interface Load {
  p50: number;
  p99: number;
  completed: number;
}

export const endToEnd: Scenario = {
  name: 'end-to-end',
  async run(ctx) {
    const quick = ctx.options.quick;
    const fixedRate = quick ? 10 : 20;
    const seconds = quick ? 1 : 8;
    const lastStep = quick ? 2 * FIRST_STEP : LAST_STEP;
    const ns = ctx.namespace('e2e');
    const [api] = await Promise.all([ctx.taskql('api', ns), ctx.taskql('worker', ns, { WORKER_CONCURRENCY: String(CONCURRENCY) })]);
    const client = await connect(api.port);
    ctx.defer(() => client.dispose());
    const tasks = ns.db.collection('tasks');
    let n = 0;

    /** Offer `rate` tasks/s for `seconds`; every task is watched until SUCCEEDED. */
    const offer = async (rate: number): Promise<Load> => {
      const count = rate * seconds;
      const latencies: number[] = [];
      const watches: Promise<void>[] = [];
      let inFlight = 0;
      await paced(rate, count, () => {
        if (inFlight >= MAX_IN_FLIGHT) return;
        inFlight++;
        const sent = wallNow();
        const watch = request(api.port, EnqueueTaskDocument, { input: echoInput(n++) }).then(({ enqueueTask }) => {
          const { done } = subscribe(client, TaskUpdatedDocument, { id: enqueueTask.task.id }, ({ taskUpdated }) => {
            if (taskUpdated.state === 'SUCCEEDED') latencies.push(wallNow() - sent);
          });
          return done;
        });
        watches.push(watch.finally(() => inFlight--));
      });
      await within(Promise.allSettled(watches), 15_000, 'end-to-end tasks').catch(() => {});
      // Every load starts from an empty collection: FerretDB's updates slow as it grows.
      await tasks.deleteMany({});
      return { p50: percentile(latencies, 50), p99: percentile(latencies, 99), completed: latencies.length / count };
    };

    const fixed = await alternate(roundsFor(ctx), { taskql: () => offer(fixedRate) });
    const steps: (Load & { rate: number })[] = [];
    for (let rate = FIRST_STEP; rate <= lastStep; rate *= 2) {
      const load = await offer(rate);
      steps.push({ rate, ...load });
      if (!(load.p99 < SUSTAINED_P99_MS && load.completed === 1)) break;
    }
    const sustained = Math.max(0, ...steps.filter((s) => s.p99 < SUSTAINED_P99_MS && s.completed === 1).map((s) => s.rate));
    const m = medianOf(fixed.taskql);
    const scenario = '5 end to end';
    const measure = (what: string) => `enqueue → SUCCEEDED ${what}`;
    return {
      rows: [
        { scenario, measure: measure(`p50 at ${fixedRate} tasks/s`), baseline: '', baselineValue: null, taskql: m.p50, unit: 'ms', compare: 'diff' },
        { scenario, measure: measure(`p99 at ${fixedRate} tasks/s`), baseline: '', baselineValue: null, taskql: m.p99, unit: 'ms', compare: 'diff' },
        {
          scenario,
          measure: `highest load with p99 < 1 s (of ${steps.map((step) => step.rate).join(', ')}: doubled until one was not)`,
          baseline: '',
          baselineValue: null,
          taskql: sustained,
          unit: 'tasks/s',
          compare: 'ratio',
        },
      ],
      details: { fixedRate, seconds, fixed, medians: m, ramp: steps, sustained },
    };
  },
};
