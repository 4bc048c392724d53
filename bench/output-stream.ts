/**
 * Scenario 7, output streaming: one task writing chunks at a fixed rate (the built-in `generate`,
 * 2,000 chunks a second) to 100 `taskOutput` subscribers on one API process, against raw Redis
 * pub/sub: the runner publishing the same number of messages at the same rate to 100 Redis
 * subscribers. Reported: chunks delivered per second over all subscribers (from the first arrival
 * to the last), the p99 of write → arrival over every delivery, and the MongoDB inserts per 1,000
 * chunks (stored batches, counted in the database). Subscribers live in a forked process.
 */
import type { ChildProcess } from 'node:child_process';
import { print } from 'graphql';
import { EnqueueTaskDocument, TaskOutputStreamDocument } from '../schema/generated/graphql.ts';
import { generatedToken } from '../src/tasks/builtin/generate.ts';
import { isMessage, type ConnectOutputCommand, type OutputDoneMessage, type OutputReadyMessage, type SubscribeOutputCommand } from './children/protocol.ts';
import { alternate } from './lib/alternate.ts';
import { nextMessage, paced, wallNow, type BenchContext, type Namespace } from './lib/context.ts';
import { request } from './lib/graphql.ts';
import type { Row } from './lib/report.ts';
import { roundsFor, type Scenario } from './lib/scenario.ts';
import { medianOf } from './lib/stats.ts';

const SUBSCRIBERS = 100;
const RATE = 2_000;
/**
 * How long an enqueued task waits before it runs: time for the subscribers to connect and
 * subscribe, so the chunks reach them live rather than by replay. (The connections are open
 * before: each round only subscribes them.) A round whose subscribers were not all subscribed by
 * then is counted in the details as `late`, since its latencies include a replay.
 */
const START_DELAY_MS = 3_000;

/** One round of one variant. */
interface Round {
  deliveriesPerSecond: number;
  p50: number;
  p99: number;
  /** MongoDB inserts of output batches per 1,000 chunks (taskql only; 0 for raw). */
  insertsPerThousand: number;
}

export const outputStream: Scenario = {
  name: 'output-stream',
  async run(ctx) {
    const chunks = ctx.options.quick ? 400 : 6_000;
    const ns = ctx.namespace('output-stream');
    const api = await ctx.taskql('api', ns);
    await ctx.taskql('worker', ns);
    const publisher = ctx.redis();
    const redisSubscribers = await connected(ctx, { type: 'connect-output', kind: 'redis', count: SUBSCRIBERS, redisUrl: ctx.servers.redisUrl });
    const graphqlSubscribers = await connected(ctx, { type: 'connect-output', kind: 'graphql', count: SUBSCRIBERS, port: api.port });
    let round = 0;
    let late = 0;

    const rounds = await alternate(roundsFor(ctx), {
      raw: async (): Promise<Round> => {
        const channel = `${ns.prefix}.raw-output.${++round}`;
        const { done } = await subscribed(redisSubscribers, { type: 'subscribe-output', expected: chunks, channel });
        await paced(RATE, chunks, (i) => void publisher.publish(channel, JSON.stringify({ seq: i + 1, at: wallNow(), data: generatedToken(1, i) })));
        return { ...rates(await done, chunks), insertsPerThousand: 0 };
      },
      taskql: async (): Promise<Round> => {
        const { enqueueTask } = await request(api.port, EnqueueTaskDocument, {
          input: { type: 'generate', input: { words: chunks, rate: RATE, seed: ++round }, delayMs: START_DELAY_MS },
        });
        const startsAt = Date.now() + START_DELAY_MS;
        const id = enqueueTask.task.id;
        const { done } = await subscribed(graphqlSubscribers, { type: 'subscribe-output', expected: chunks, query: print(TaskOutputStreamDocument), variables: { id } });
        if (Date.now() >= startsAt) late++;
        const result = rates(await done, chunks);
        return { ...result, insertsPerThousand: (1000 * (await inserts(ns, id))) / chunks };
      },
    });

    const medians = { raw: medianOf(rounds.raw), taskql: medianOf(rounds.taskql) };
    const scenario = `7 output stream, ${RATE.toLocaleString('en-US')} chunks/s to ${SUBSCRIBERS} subscribers`;
    const baseline = 'raw Redis pub/sub';
    const { raw, taskql } = medians;
    const rows: Row[] = [
      {
        scenario,
        measure: 'chunks delivered/s (all subscribers)',
        baseline,
        baselineValue: raw.deliveriesPerSecond,
        taskql: taskql.deliveriesPerSecond,
        unit: '/s',
        compare: 'ratio',
        goal: { text: '≥ 0.5×', met: taskql.deliveriesPerSecond >= 0.5 * raw.deliveriesPerSecond },
      },
      { scenario, measure: 'write → receive, p50', baseline, baselineValue: raw.p50, taskql: taskql.p50, unit: 'ms', compare: 'diff' },
      { scenario, measure: 'write → receive, p99', baseline, baselineValue: raw.p99, taskql: taskql.p99, unit: 'ms', compare: 'diff', goal: { text: '< 50 ms', met: taskql.p99 < 50 } },
      { scenario, measure: 'MongoDB inserts per 1,000 chunks', baseline: '', baselineValue: null, taskql: taskql.insertsPerThousand, unit: '', compare: 'ratio' },
    ];
    return { rows, details: { chunks, rounds, medians, late } };
  },
};

/** A subscribers process with its connections open (`command`); stopped with the scenario. */
async function connected(ctx: BenchContext, command: ConnectOutputCommand): Promise<ChildProcess> {
  const child = ctx.child('output-subscribers');
  const ready = nextMessage(child, isMessage<OutputReadyMessage>('output-connected'), 60_000);
  child.send(command);
  await ready;
  return child;
}

/** Subscribe `child`'s connections (`command`); resolves once they are, with what they report when they have every chunk. */
async function subscribed(child: ChildProcess, command: SubscribeOutputCommand): Promise<{ done: Promise<OutputDoneMessage> }> {
  const opened = nextMessage(child, isMessage<OutputReadyMessage>('output-opened'), 60_000);
  const done = nextMessage(child, isMessage<OutputDoneMessage>('output-done'), 120_000);
  done.catch(() => {});
  child.send(command);
  await opened;
  return { done };
}

/** A round's rates, once every subscriber got every chunk exactly once, in order (else it fails). */
function rates(done: OutputDoneMessage, chunks: number): Omit<Round, 'insertsPerThousand'> {
  if (!done.inOrder || done.deliveries !== chunks * SUBSCRIBERS) {
    throw new Error(`subscribers got ${done.deliveries} chunks of ${chunks * SUBSCRIBERS}${done.inOrder ? '' : ', not all in order'}`);
  }
  return { deliveriesPerSecond: done.deliveries / ((done.lastAt - done.firstAt) / 1000), p50: done.p50, p99: done.p99 };
}

/** The output batches stored for task `id`: one insert each. */
function inserts(ns: Namespace, id: string): Promise<number> {
  return ns.db.collection('task_output').countDocuments({ taskId: id });
}
