/**
 * Scenario 6, flow control: throughput of a type with a concurrency limit of 5 per key, its tasks
 * spread over 100 keys, against the same type without a limit, in the same run (same handler, same
 * worker concurrency; tasks enqueued through the API while the queue is paused, the clock started
 * at resume); then fairness: key A enqueues a backlog of 2,000 50 ms tasks, key B 10 more, and B's
 * start delay (enqueue sent → STARTED recorded) is measured behind A's backlog.
 */
import { performance } from 'node:perf_hooks';
import { EnqueueTasksDocument, PauseQueueDocument, ResumeQueueDocument } from '../schema/generated/graphql.ts';
import { EventBus } from '../src/events/event-bus.ts';
import { PubSub } from '../src/redis/pubsub.ts';
import { alternate } from './lib/alternate.ts';
import { wallNow, within } from './lib/context.ts';
import { QUEUE } from './lib/direct.ts';
import { request } from './lib/graphql.ts';
import { KEY_LIMIT } from './lib/limited-types.ts';
import { roundsFor, type Scenario } from './lib/scenario.ts';
import { median, percentile } from './lib/stats.ts';

const CONCURRENCY = 50;
const KEYS = 100;
/** The largest enqueueTasks call. */
const BATCH = 1000;
const LIMITED_TYPES = 'dist/bench/lib/limited-types.js';

export const flowControl: Scenario = {
  name: 'flow-control',
  async run(ctx) {
    const quick = ctx.options.quick;
    const tasks = quick ? 200 : 2000;
    const backlog = quick ? 200 : 2000;
    const roundTimeoutMs = quick ? 30_000 : 180_000;
    const ns = ctx.namespace('flow-control');
    const [api] = await Promise.all([
      ctx.taskql('api', ns, {}, [LIMITED_TYPES]),
      ctx.taskql('worker', ns, { WORKER_CONCURRENCY: String(CONCURRENCY) }, [LIMITED_TYPES]),
    ]);

    // Task events as the worker publishes them: SUCCEEDED counts completions, STARTED times B.
    const bus = new EventBus(new PubSub(ctx.redis(), ctx.redis()), ns.prefix);
    await bus.start();
    let succeeded = 0;
    let waiter: { target: number; resolve: () => void } | null = null;
    const startedAt = new Map<string, number>();
    bus.watchAll({
      onChange: ({ event }) => {
        if (event.type === 'STARTED') startedAt.set(event.taskId, event.at.getTime());
        if (event.type !== 'SUCCEEDED') return;
        succeeded++;
        if (waiter && succeeded >= waiter.target) waiter.resolve();
      },
      onResync: () => {},
    });
    const enqueue = async (type: string, count: number, keyOf: (i: number) => string, ms: number): Promise<string[]> => {
      const ids: string[] = [];
      for (let from = 0; from < count; from += BATCH) {
        const inputs = Array.from({ length: Math.min(BATCH, count - from) }, (_, i) => ({ type, input: { key: keyOf(from + i), ms } }));
        const { enqueueTasks } = await request(api.port, EnqueueTasksDocument, { inputs });
        ids.push(...enqueueTasks.map((e) => e.task.id));
      }
      return ids;
    };
    const tasksCollection = ns.db.collection('tasks');
    /** Enqueue `tasks` of `type` over the keys while the queue is paused; tasks/s from resume to the last SUCCEEDED. */
    const workOff = async (type: string) => {
      await request(api.port, PauseQueueDocument, { name: QUEUE });
      await enqueue(type, tasks, (i) => `key-${i % KEYS}`, 0);
      const finished = new Promise<void>((resolve) => (waiter = { target: succeeded + tasks, resolve }));
      const start = performance.now();
      await request(api.port, ResumeQueueDocument, { name: QUEUE });
      await within(finished, roundTimeoutMs, `working off ${type}`);
      const rate = tasks / ((performance.now() - start) / 1000);
      // Every round starts from an empty collection: FerretDB's updates slow as it grows.
      await tasksCollection.deleteMany({});
      return rate;
    };
    const rounds = await alternate(roundsFor(ctx), { unlimited: () => workOff('bench-unkeyed'), keyed: () => workOff('bench-keyed') });

    // Fairness: B's tasks against A's backlog, one key each, 50 ms tasks.
    await enqueue('bench-keyed', backlog, () => 'tenant-a', 50);
    const sent = wallNow();
    const bIds = await enqueue('bench-keyed', 10, () => 'tenant-b', 50);
    await within(
      (async () => {
        while (!bIds.every((id) => startedAt.has(id))) await new Promise((resolve) => setTimeout(resolve, 20));
      })(),
      roundTimeoutMs,
      "B's tasks starting",
    );
    const bDelays = bIds.map((id) => startedAt.get(id)! - sent);
    const p99 = percentile(bDelays, 99);

    const m = { unlimited: median(rounds.unlimited), keyed: median(rounds.keyed) };
    const scenario = '6 flow control';
    return {
      rows: [
        {
          scenario,
          measure: `no-op tasks, ${KEYS} keys, limit ${KEY_LIMIT} per key, concurrency ${CONCURRENCY}, ${tasks.toLocaleString('en-US')} tasks`,
          baseline: 'the same type without a limit',
          baselineValue: m.unlimited,
          taskql: m.keyed,
          unit: 'tasks/s',
          compare: 'ratio',
          goal: { text: '≥ 0.7×', met: m.keyed >= 0.7 * m.unlimited },
        },
        {
          scenario,
          measure: `key B's p99 start delay (10 tasks) behind key A's ${backlog.toLocaleString('en-US')}-task backlog, limit ${KEY_LIMIT} per key`,
          baseline: '',
          baselineValue: null,
          taskql: p99,
          unit: 'ms',
          compare: 'diff',
          goal: { text: '< 2 s', met: p99 < 2000 },
        },
      ],
      details: { tasksPerRound: tasks, keys: KEYS, limit: KEY_LIMIT, rounds, medians: m, backlog, bDelaysMs: bDelays },
    };
  },
};
