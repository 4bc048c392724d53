/**
 * Scenario 8, scaling: how throughput and delivery grow with processes, each setting against one
 * process doing the same work (the row's ratio is the scaling factor).
 * - worker: `echo` tasks worked off by 1, 2 and 4 taskql worker processes (concurrency 50 each),
 *   jobs queued while the queue is paused and timed from resume, as in the worker scenario;
 * - enqueue: `enqueueTask` over HTTP at concurrency 32, sent to 1 or to 2 API processes in turn;
 * - fan-out: one recorded change reaching N `taskUpdated` subscribers, all on 1 API process or
 *   spread over 3 (one task per setting, so each change goes to one setting's subscribers), as
 *   deliveries per second at the median time to reach all.
 * Each on a single Redis and then on a local Redis Cluster of 3 masters and 3 replicas (quick
 * mode: a single Redis alone). Runs on mongo-java-server only (skipped on FerretDB, whose writes
 * would bound every row): the curve is meant to show taskql, not the store. Every setting of a part has its own processes and
 * they alternate round by round (A B A B …), so load on the shared machine hits all alike.
 */
import { performance } from 'node:perf_hooks';
import { print } from 'graphql';
import { EventBus } from '../src/events/event-bus.ts';
import { PubSub } from '../src/redis/pubsub.ts';
import { EnqueueTaskDocument, TaskUpdatedDocument } from '../schema/generated/graphql.ts';
import type { TaskqlProcess } from '../test/support/processes.ts';
import { alternate } from './lib/alternate.ts';
import { startLocalRedis } from '../scripts/local-servers.ts';
import { BenchContext, pool, wallNow, within, type Namespace } from './lib/context.ts';
import { ChangeDriver, DirectEnqueuer, echoInput } from './lib/direct.ts';
import { request } from './lib/graphql.ts';
import type { Row } from './lib/report.ts';
import { roundsFor, type Scenario } from './lib/scenario.ts';
import { median } from './lib/stats.ts';
import { openSubscribers, reachAll } from './lib/subscribers.ts';

const WORKER_CONCURRENCY = 50;
const ENQUEUE_CONCURRENCY = 32;
/** API processes the fan-out subscribers are spread over. */
const FAN_OUT_APIS = 3;

export const scaling: Scenario = {
  name: 'scaling',
  async run(ctx) {
    const build = await ctx.mongo.db('admin').command({ buildInfo: 1 });
    if (typeof build['ferretdbVersion'] === 'string') {
      return { rows: [], details: { skipped: 'runs on mongo-java-server only: on FerretDB the store bounds every row' } };
    }
    const single = await measureOn(ctx, 'single Redis');
    if (ctx.options.quick) return { rows: single.rows, details: { single: single.details } };
    // The same on a local Redis Cluster (3 masters, 3 replicas), with a context of its own.
    const cluster = await startLocalRedis('cluster');
    const clusterCtx = await BenchContext.open(ctx.options, { ...ctx.servers, ...cluster });
    try {
      const clustered = await measureOn(clusterCtx, 'Redis Cluster');
      return { rows: [...single.rows, ...clustered.rows], details: { single: single.details, cluster: { servers: cluster.describe, ...clustered.details } } };
    } finally {
      await clusterCtx.close();
      await cluster.stop();
    }
  },
};

/** Every part of the scenario on `ctx`'s servers; `redis` names their Redis in the rows. */
async function measureOn(ctx: BenchContext, redis: string): Promise<{ rows: Row[]; details: Record<string, unknown> }> {
  const quick = ctx.options.quick;
    const workerCounts = quick ? [1, 2] : [1, 2, 4];
    const workers = await workerScaling(ctx, workerCounts, quick ? 20 : 400);
    // One set of API processes serves both parts (no worker runs in it): starting processes is
    // most of what quick mode costs.
    const ns = ctx.namespace('scaling-api');
    const apis = await Promise.all(Array.from({ length: FAN_OUT_APIS }, () => ctx.taskql('api', ns)));
    const enqueue = await enqueueScaling(ctx, apis.slice(0, 2), quick ? 32 : 1_000);
    // The enqueued tasks would only slow the fan-out's reads of its own.
    await ns.db.collection('tasks').deleteMany({});
    const fanOut = await fanOutScaling(ctx, ns, apis, quick ? 150 : 3_000, quick ? 3 : 10);
    const rows: Row[] = [
      ...workerCounts.slice(1).map(
        (k): Row => ({
          scenario: `8 scaling, worker, ${redis}`,
          measure: `echo, ${k} worker processes (concurrency ${WORKER_CONCURRENCY} each), ${workers.tasks.toLocaleString('en-US')} jobs`,
          baseline: '1 worker process',
          baselineValue: workers.medians[1]!,
          taskql: workers.medians[k]!,
          unit: 'tasks/s',
          compare: 'ratio',
        }),
      ),
      {
        scenario: `8 scaling, enqueue, ${redis}`,
        measure: `enqueueTask, HTTP, concurrency ${ENQUEUE_CONCURRENCY}, 2 API processes`,
        baseline: '1 API process',
        baselineValue: enqueue.medians.one,
        taskql: enqueue.medians.two,
        unit: 'tasks/s',
        compare: 'ratio',
      },
      {
        scenario: `8 scaling, fan-out, ${redis}`,
        measure: `taskUpdated, ${fanOut.subscribers.toLocaleString('en-US')} subscribers over ${FAN_OUT_APIS} API processes: deliveries/s (at p50)`,
        baseline: '1 API process',
        baselineValue: fanOut.subscribers / (fanOut.medians.one / 1000),
        taskql: fanOut.subscribers / (fanOut.medians.spread / 1000),
        unit: '/s',
        compare: 'ratio',
      },
    ];
    return { rows, details: { workers, enqueue, fanOut } };
}

/** tasks/s of `tasks` echo jobs worked off by each number of worker processes in `counts`. */
async function workerScaling(ctx: BenchContext, counts: readonly number[], tasks: number) {
  const settings = await Promise.all(
    counts.map(async (k) => {
      const ns = ctx.namespace(`scaling-workers-${k}`);
      await Promise.all(Array.from({ length: k }, () => ctx.taskql('worker', ns, { WORKER_CONCURRENCY: String(WORKER_CONCURRENCY) })));
      const bus = new EventBus(new PubSub(ctx.redis(), ctx.redis()), ns.prefix);
      await bus.start();
      const setting = { k, ns, enqueuer: new DirectEnqueuer(ctx, ns), succeeded: 0, waiter: null as { target: number; resolve: () => void } | null };
      bus.watchSummaries({
        onSummary: ({ event }) => {
          if (event !== 'SUCCEEDED') return;
          setting.succeeded++;
          if (setting.waiter && setting.succeeded >= setting.waiter.target) setting.waiter.resolve();
        },
        onResync: () => {},
      });
      return setting;
    }),
  );
  let n = 0;
  const round = async (setting: (typeof settings)[number]) => {
    await setting.enqueuer.queue.pause();
    await setting.enqueuer.many(n, tasks);
    n += tasks;
    const target = setting.succeeded + tasks;
    const finished = new Promise<void>((resolve) => (setting.waiter = { target, resolve }));
    const start = performance.now();
    await setting.enqueuer.queue.resume();
    await within(finished, ctx.options.quick ? 20_000 : 180_000, `${setting.k} workers working off the queue`);
    const rate = tasks / ((performance.now() - start) / 1000);
    // Every round starts from an empty collection, as in the worker scenario.
    await setting.ns.db.collection('tasks').deleteMany({});
    return rate;
  };
  const rounds = await alternate(roundsFor(ctx), Object.fromEntries(settings.map((s) => [String(s.k), () => round(s)])));
  const medians = Object.fromEntries(counts.map((k) => [k, median(rounds[String(k)]!)])) as Record<number, number>;
  return { tasks, rounds, medians };
}

/** tasks/s of `tasks` enqueueTask calls sent to the first of `apis`, and spread over all of them. */
async function enqueueScaling(ctx: BenchContext, apis: readonly TaskqlProcess[], tasks: number) {
  let n = 0;
  const rate = async (targets: readonly TaskqlProcess[]) => {
    const start = performance.now();
    await pool(tasks, ENQUEUE_CONCURRENCY, async (i) => {
      await request(targets[i % targets.length]!.port, EnqueueTaskDocument, { input: echoInput(n++) });
    });
    return tasks / ((performance.now() - start) / 1000);
  };
  const rounds = await alternate(roundsFor(ctx), { one: () => rate(apis.slice(0, 1)), two: () => rate(apis) });
  return { tasks, rounds, medians: { one: median(rounds.one), two: median(rounds.two) } };
}

/**
 * Time for one recorded change to reach `subscribers` taskUpdated subscribers (median of each
 * round's p50), all on the first of `apis` or spread over all of them. The same processes serve
 * both settings, each setting watching its own task.
 */
async function fanOutScaling(ctx: BenchContext, ns: Namespace, apis: readonly TaskqlProcess[], subscribers: number, eventsPerRound: number) {
  const driver = new ChangeDriver(ctx, ns);
  const query = print(TaskUpdatedDocument);
  const open = async (ports: number[]) => {
    const taskId = await driver.runningTask();
    const set = openSubscribers(ctx, { kind: 'graphql', ports, count: subscribers, field: 'taskUpdated', query, variables: { id: taskId } });
    await set.ready;
    return { taskId, children: set.children };
  };
  const one = await open([apis[0]!.port]);
  const spread = await open(apis.map((api) => api.port));
  const round = async ({ taskId, children }: { taskId: string; children: Parameters<typeof reachAll>[0] }) => {
    const times: number[] = [];
    for (let e = 0; e < eventsPerRound; e++) {
      times.push(
        await reachAll(children, driver.version(taskId) + 1, async () => {
          let at = wallNow();
          await driver.progress(taskId, { e }, (_version, recordedAt) => (at = recordedAt));
          return at;
        }),
      );
    }
    return median(times);
  };
  const rounds = await alternate(roundsFor(ctx), { one: () => round(one), spread: () => round(spread) });
  return { subscribers, eventsPerRound, rounds, medians: { one: median(rounds.one), spread: median(rounds.spread) } };
}
