/**
 * Scenario 2, worker: `echo` tasks run by a taskql worker process with full tracking (take the
 * task from its job, record STARTED, run, record SUCCEEDED, publish each) against raw BullMQ
 * Worker processes: one with a no-op processor, one that makes the same writes by hand after
 * reading the task from MongoDB (a read, two version-guarded updates, two publishes), and one
 * that makes them after taking the task from its job as taskql does (the floor of any tracking
 * design); same concurrency, same number of identical jobs. Jobs are queued while the queue is
 * paused and the clock starts at resume, so only working them off is timed.
 */
import { performance } from 'node:perf_hooks';
import { EventBus } from '../src/events/event-bus.ts';
import { PubSub } from '../src/redis/pubsub.ts';
import { bullQueueName } from '../src/queue/queue-names.ts';
import { isMessage, type AwaitCommand, type WorkerMessage } from './children/protocol.ts';
import { alternate } from './lib/alternate.ts';
import { nextMessage, within } from './lib/context.ts';
import { DirectEnqueuer, QUEUE } from './lib/direct.ts';
import { CpuMeter } from './lib/process-cpu.ts';
import { roundsFor, type Scenario } from './lib/scenario.ts';
import { median } from './lib/stats.ts';

const CONCURRENCY = 50;
/** Jobs queued per addBulk while filling the paused queue. */
const FILL_CHUNK = 500;

export const worker: Scenario = {
  name: 'worker',
  async run(ctx) {
    // Small rounds on FerretDB, where an update scans the collection, so a round costs O(tasks²).
    // Elsewhere 40 waves of the concurrency, so that a round measures the steady rate, not the
    // start and the tail of two waves (at 100 jobs a task cost 2.5 times the CPU it does at 500).
    const tasks = ctx.options.quick ? 20 : ctx.options.mongoServer === 'ferretdb' ? 100 : 40 * CONCURRENCY;
    const ns = ctx.namespace('worker');
    const roundTimeoutMs = ctx.options.quick ? 20_000 : 180_000;

    /** A raw worker child on its own Redis prefix, with the tracking `track` names (none: a no-op processor). */
    const rawWorker = (prefix: string, track?: 'mongo' | 'mongo-from-job') => {
      const tracking = track && { TRACK: track, MONGO_URL: ctx.servers.mongoUrl, MONGO_DB: ns.db.databaseName, CHANNEL: prefix };
      const child = ctx.child('raw-worker', { REDIS_URL: ctx.servers.redisUrl, REDIS_PREFIX: prefix, QUEUE: bullQueueName(QUEUE), CONCURRENCY: String(CONCURRENCY), ...tracking });
      return { child, enqueuer: new DirectEnqueuer(ctx, ns, prefix), completed: 0 };
    };
    const raw = rawWorker(`${ns.prefix}.raw`);
    const writes = rawWorker(`${ns.prefix}.rawwrites`, 'mongo');
    const writesFromJob = rawWorker(`${ns.prefix}.rawfromjob`, 'mongo-from-job');
    await Promise.all([
      ctx.taskql('worker', ns, { WORKER_CONCURRENCY: String(CONCURRENCY) }),
      ...[raw, writes, writesFromJob].map(({ child }) => nextMessage(child, isMessage<WorkerMessage>('worker-ready'), 30_000)),
    ]);

    // SUCCEEDED changes as the worker publishes them: how the runner knows the tasks are done.
    const bus = new EventBus(new PubSub(ctx.redis(), ctx.redis()), ns.prefix);
    await bus.start();
    let succeeded = 0;
    let waiter: { target: number; resolve: () => void } | null = null;
    bus.watchSummaries({
      onSummary: ({ event }) => {
        if (event !== 'SUCCEEDED') return;
        succeeded++;
        if (waiter && succeeded >= waiter.target) waiter.resolve();
      },
      onResync: () => {},
    });

    const tracked = new DirectEnqueuer(ctx, ns);
    let n = 0;
    const cpu = new CpuMeter();
    /**
     * Fill the paused queue with `tasks` jobs, resume it, and return tasks/s until `done` resolves;
     * the CPU spent from resume to done is counted to `variant`.
     */
    const workOff = async (variant: string, enqueuer: DirectEnqueuer, store: boolean, done: () => Promise<unknown>) => {
      await enqueuer.queue.pause();
      for (let from = 0; from < tasks; from += FILL_CHUNK) {
        const count = Math.min(FILL_CHUNK, tasks - from);
        await enqueuer.many(n, count, store);
        n += count;
      }
      // Listening before resuming: the first completions can come before resume() returns.
      const finished = done();
      return cpu.measure(variant, tasks, async () => {
        const start = performance.now();
        await enqueuer.queue.resume();
        await within(finished, roundTimeoutMs, 'working off the queue');
        return tasks / ((performance.now() - start) / 1000);
      });
    };
    const updates: number[] = [];
    const tasksCollection = ns.db.collection<{ version: number }>('tasks');
    /** A round of the raw worker `w` as `variant`; `store`: its tasks are stored first, as taskql's are. */
    const rawRound = async (variant: string, w: ReturnType<typeof rawWorker>, store: boolean) => {
      w.completed += tasks;
      w.child.send({ type: 'await', total: w.completed } satisfies AwaitCommand);
      const rate = await workOff(variant, w.enqueuer, store, () => nextMessage(w.child, isMessage<WorkerMessage>('completed'), roundTimeoutMs));
      if (store) await tasksCollection.deleteMany({});
      return rate;
    };

    // Two warm-up rounds: the servers' JIT (mongo-java-server's above all) still speeds every
    // variant up through the second round (its rate a third of the later rounds').
    const rounds = await alternate({ ...roundsFor(ctx), warmup: 2 }, {
      raw: () => rawRound('raw', raw, false),
      rawWrites: () => rawRound('rawWrites', writes, true),
      rawWritesFromJob: () => rawRound('rawWritesFromJob', writesFromJob, true),
      taskql: async () => {
        const target = succeeded + tasks;
        const rate = await workOff('taskql', tracked, true, () => new Promise<void>((resolve) => (waiter = { target, resolve })));
        // The worker writes each event after CREATED with one version-guarded update (FerretDB
        // has no serverStatus opcounters to count them on the server).
        const versions = await tasksCollection.find({}, { projection: { version: 1 } }).toArray();
        updates.push(versions.reduce((sum, doc) => sum + doc.version - 1, 0) / versions.length);
        // Every round starts from an empty collection: FerretDB's updates slow as it grows.
        await tasksCollection.deleteMany({});
        return rate;
      },
    });

    const updatesPerTask = median(updates);
    const m = { raw: median(rounds.raw), rawWrites: median(rounds.rawWrites), rawWritesFromJob: median(rounds.rawWritesFromJob), taskql: median(rounds.taskql) };
    return {
      rows: [
        {
          scenario: '2 worker',
          measure: `echo, concurrency ${CONCURRENCY}, ${tasks.toLocaleString('en-US')} jobs`,
          baseline: 'BullMQ Worker, no-op',
          baselineValue: m.raw,
          taskql: m.taskql,
          unit: 'tasks/s',
          compare: 'ratio',
          goal: { text: '≥ 0.4×', met: m.taskql >= 0.4 * m.raw },
        },
        {
          scenario: '2 worker',
          measure: `echo, concurrency ${CONCURRENCY}, ${tasks.toLocaleString('en-US')} jobs`,
          baseline: 'BullMQ Worker, the same writes by hand',
          baselineValue: m.rawWrites,
          taskql: m.taskql,
          unit: 'tasks/s',
          compare: 'ratio',
          goal: { text: '≥ 0.8×', met: m.taskql >= 0.8 * m.rawWrites },
        },
        {
          scenario: '2 worker',
          measure: `echo, concurrency ${CONCURRENCY}, ${tasks.toLocaleString('en-US')} jobs`,
          baseline: 'BullMQ Worker, the same writes by hand, the task from its job',
          baselineValue: m.rawWritesFromJob,
          taskql: m.taskql,
          unit: 'tasks/s',
          compare: 'ratio',
        },
        { scenario: '2 worker', measure: 'MongoDB updates per task by the worker', baseline: '', baselineValue: null, taskql: updatesPerTask, unit: 'updates', compare: 'ratio' },
        ...cpu.row('2 worker', `echo, concurrency ${CONCURRENCY}: CPU per task, every process`, { name: 'BullMQ Worker, the same writes by hand', variant: 'rawWrites' }, 'taskql'),
        ...cpu.row('2 worker', `echo, concurrency ${CONCURRENCY}: CPU per task, every process`, { name: 'BullMQ Worker, the same writes by hand, the task from its job', variant: 'rawWritesFromJob' }, 'taskql'),
      ],
      details: { tasksPerRound: tasks, rounds, medians: m, updatesPerTask, cpu: cpu.all(), updatesMethod: 'events recorded after CREATED, one version-guarded updateOne each' },
    };
  },
};
