/**
 * Scenario 1, enqueue: `enqueueTask` over HTTP against the two writes it cannot avoid made
 * directly with the drivers (insertOne + queue.add), against queue.add alone, and against a
 * graphql-yoga mutation that does nothing (the floor of any GraphQL API here); `enqueueTasks` in
 * batches of 100 against insertMany + addBulk. No worker runs, so only enqueueing is measured.
 */
import { performance } from 'node:perf_hooks';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { parse } from 'graphql';
import { EnqueueTaskDocument, EnqueueTasksDocument, type EnqueueTaskInput } from '../schema/generated/graphql.ts';
import { alternate } from './lib/alternate.ts';
import { isMessage, type ListeningMessage } from './children/protocol.ts';
import { nextMessage, pool } from './lib/context.ts';
import { DirectEnqueuer, echoInput } from './lib/direct.ts';
import { request } from './lib/graphql.ts';
import { roundsFor, type Scenario } from './lib/scenario.ts';
import { CpuMeter } from './lib/process-cpu.ts';
import { median } from './lib/stats.ts';

const CONCURRENCY = 32;
/** The no-op mutation of `bench/children/noop-yoga-server.ts`, sent the same input as enqueueTask. */
const NOOP = parse('mutation Noop($input: JSON) { noop(input: $input) }') as TypedDocumentNode<{ noop: boolean }, { input: unknown }>;
/**
 * enqueueTask asking only for what a client that enqueues needs back (the id, and the state): the
 * rows above ask for the whole task (`TaskFields`), whose JSON both ends pay for.
 */
const ENQUEUE_ID = parse('mutation EnqueueTaskId($input: EnqueueTaskInput!) { enqueueTask(input: $input) { deduplicated task { id state } } }') as TypedDocumentNode<
  { enqueueTask: { deduplicated: boolean; task: { id: string; state: string } } },
  { input: EnqueueTaskInput }
>;
/** enqueueTasks asking for as little, the id and state of each task. */
const ENQUEUE_MANY_IDS = parse('mutation EnqueueTasksIds($inputs: [EnqueueTaskInput!]!) { enqueueTasks(inputs: $inputs) { deduplicated task { id state } } }') as TypedDocumentNode<
  { enqueueTasks: { deduplicated: boolean; task: { id: string; state: string } }[] },
  { inputs: EnqueueTaskInput[] }
>;
const BATCH = 100;
/** Batches in flight at once, for the API and for the direct baseline alike. */
const BATCH_CONCURRENCY = 4;

export const enqueue: Scenario = {
  name: 'enqueue',
  async run(ctx) {
    // Rounds of a few seconds where the server is fast: rounds of a second or less moved by a
    // fifth from one to the next. FerretDB's take that long at a quarter of the size.
    const fast = ctx.options.mongoServer !== 'ferretdb';
    const tasks = ctx.options.quick ? 32 : fast ? 4_000 : 1_000;
    const batches = ctx.options.quick ? 1 : fast ? 60 : 20;
    // Two warm-up rounds: the servers' and the processes' JIT still speed every variant up then.
    const rounds = { ...roundsFor(ctx), warmup: 2 };
    const ns = ctx.namespace('enqueue');
    const api = await ctx.taskql('api', ns);
    const direct = new DirectEnqueuer(ctx, ns);
    const noopServer = ctx.child('noop-yoga-server');
    const { port: noopPort } = await nextMessage(noopServer, isMessage<ListeningMessage>('listening'), 30_000);
    let n = 0;
    /** Tasks per second of `count` calls of `one`, `concurrency` at a time. */
    const rate = async (count: number, concurrency: number, perCall: number, one: () => Promise<void>) => {
      const start = performance.now();
      await pool(count, concurrency, one);
      return (count * perCall) / ((performance.now() - start) / 1000);
    };

    const cpu = new CpuMeter();
    // Every variant starts from an empty store and queue: left to grow through the scenario (to
    // about 200,000 tasks), mongo-java-server's memory backend slowed as it grew (its CPU per task
    // of an insertMany 3 to 6 times what it is on an empty collection).
    const tasksCollection = ns.db.collection('tasks');
    const empty = async () => {
      await tasksCollection.deleteMany({});
      await direct.queue.drain(true);
    };
    /** A round of enqueueTask through the API as `variant`, asking for what `document` selects. */
    const enqueues = (variant: string, document: TypedDocumentNode<unknown, { input: EnqueueTaskInput }>) =>
      cpu.measure(variant, tasks, () => rate(tasks, CONCURRENCY, 1, () => request(api.port, document, { input: echoInput(n++) }).then(() => {})));
    /** A round of enqueueTasks batches through the API as `variant`, asking for what `document` selects. */
    const batchEnqueues = (variant: string, document: TypedDocumentNode<unknown, { inputs: EnqueueTaskInput[] }>) =>
      cpu.measure(variant, batches * BATCH, () =>
        rate(batches, BATCH_CONCURRENCY, BATCH, async () => {
          const inputs = Array.from({ length: BATCH }, () => echoInput(n++));
          await request(api.port, document, { inputs });
        }),
      );
    const single = await alternate(rounds, {
      queueAdd: () => cpu.measure('queueAdd', tasks, () => rate(tasks, CONCURRENCY, 1, () => direct.jobOnly(n++))),
      direct: () => cpu.measure('direct', tasks, () => rate(tasks, CONCURRENCY, 1, () => direct.one(n++))),
      graphql: () => enqueues('graphql', EnqueueTaskDocument),
      graphqlId: () => enqueues('graphqlId', ENQUEUE_ID),
      noopYoga: () => cpu.measure('noopYoga', tasks, () => rate(tasks, CONCURRENCY, 1, () => request(noopPort, NOOP, { input: echoInput(n++) }).then(() => {}))),
    }, empty);
    const bulk = await alternate(rounds, {
      direct: () =>
        cpu.measure('bulkDirect', batches * BATCH, () =>
          rate(batches, BATCH_CONCURRENCY, BATCH, async () => {
            await direct.many(n, BATCH);
            n += BATCH;
          }),
        ),
      graphql: () => batchEnqueues('bulkGraphql', EnqueueTasksDocument),
      graphqlId: () => batchEnqueues('bulkGraphqlId', ENQUEUE_MANY_IDS),
    }, empty);

    const m = {
      queueAdd: median(single.queueAdd),
      direct: median(single.direct),
      graphql: median(single.graphql),
      graphqlId: median(single.graphqlId),
      noopYoga: median(single.noopYoga),
      bulkDirect: median(bulk.direct),
      bulkGraphql: median(bulk.graphql),
      bulkGraphqlId: median(bulk.graphqlId),
    };
    const unit = 'tasks/s';
    return {
      rows: [
        {
          scenario: '1 enqueue',
          measure: `enqueueTask, HTTP, concurrency ${CONCURRENCY}`,
          baseline: 'insertOne + queue.add',
          baselineValue: m.direct,
          taskql: m.graphql,
          unit,
          compare: 'ratio',
          goal: { text: '≥ 0.5×', met: m.graphql >= 0.5 * m.direct },
        },
        { scenario: '1 enqueue', measure: `enqueueTask, HTTP, concurrency ${CONCURRENCY}`, baseline: 'queue.add alone', baselineValue: m.queueAdd, taskql: m.graphql, unit, compare: 'ratio' },
        {
          scenario: '1 enqueue',
          measure: `enqueueTask, HTTP, concurrency ${CONCURRENCY}`,
          baseline: 'graphql-yoga no-op mutation',
          baselineValue: m.noopYoga,
          taskql: m.graphql,
          unit,
          compare: 'ratio',
          goal: { text: 'within 2× (≥ 0.5×)', met: m.graphql >= 0.5 * m.noopYoga },
        },
        {
          scenario: '1 enqueue',
          measure: `enqueueTask asking only for { id state }, HTTP, concurrency ${CONCURRENCY}`,
          baseline: 'graphql-yoga no-op mutation',
          baselineValue: m.noopYoga,
          taskql: m.graphqlId,
          unit,
          compare: 'ratio',
        },
        {
          scenario: '1 enqueue',
          measure: `enqueueTasks, batches of ${BATCH}, ${BATCH_CONCURRENCY} in flight`,
          baseline: 'insertMany + addBulk',
          baselineValue: m.bulkDirect,
          taskql: m.bulkGraphql,
          unit,
          compare: 'ratio',
          goal: { text: '≥ 0.8×', met: m.bulkGraphql >= 0.8 * m.bulkDirect },
        },
        {
          scenario: '1 enqueue',
          measure: `enqueueTasks asking only for { id state }, batches of ${BATCH}, ${BATCH_CONCURRENCY} in flight`,
          baseline: 'insertMany + addBulk',
          baselineValue: m.bulkDirect,
          taskql: m.bulkGraphqlId,
          unit,
          compare: 'ratio',
        },
        // CPU per task of every process together (runner, API or baseline child, servers): what
        // the rates above cost the 2 shared cores. The split by process is in the details.
        ...cpu.row('1 enqueue', `enqueueTask, HTTP, concurrency ${CONCURRENCY}: CPU per task, every process`, { name: 'graphql-yoga no-op mutation', variant: 'noopYoga' }, 'graphql'),
        ...cpu.row('1 enqueue', `enqueueTask, HTTP, concurrency ${CONCURRENCY}: CPU per task, every process`, { name: 'insertOne + queue.add', variant: 'direct' }, 'graphql'),
        ...cpu.row('1 enqueue', 'enqueueTask asking only for { id state }: CPU per task, every process', { name: 'graphql-yoga no-op mutation', variant: 'noopYoga' }, 'graphqlId'),
        ...cpu.row('1 enqueue', `enqueueTasks, batches of ${BATCH}: CPU per task, every process`, { name: 'insertMany + addBulk', variant: 'bulkDirect' }, 'bulkGraphql'),
        ...cpu.row('1 enqueue', `enqueueTasks asking only for { id state }: CPU per task, every process`, { name: 'insertMany + addBulk', variant: 'bulkDirect' }, 'bulkGraphqlId'),
      ],
      details: {
        tasksPerRound: tasks,
        batchesPerRound: batches,
        rounds: { single, bulk },
        medians: m,
        cpu: cpu.all(),
      },
    };
  },
};
