/**
 * Scenario 3, notification latency at a fixed rate: from a change being recorded (the MongoDB
 * write acknowledged, just before the publish — as a worker does it) to a graphql-ws client of the
 * API receiving it, against raw Redis PUBLISH → ioredis subscriber and raw `ws` send → receive.
 * Sender and receiver of every variant are in the runner, so one clock times them all.
 */
import { WebSocket, WebSocketServer } from 'ws';
import { TaskUpdatedDocument } from '../schema/generated/graphql.ts';
import { alternate } from './lib/alternate.ts';
import { paced, wallNow, within, type BenchContext } from './lib/context.ts';
import { ChangeDriver } from './lib/direct.ts';
import { connect, subscribe } from './lib/graphql.ts';
import type { Row } from './lib/report.ts';
import { roundsFor, type Scenario } from './lib/scenario.ts';
import { latency, medianOf, type Latency } from './lib/stats.ts';

const RATE = 500;
/** Tasks the events are spread over: one task's writes are serial, as on a worker. */
const TASKS = 10;
/** Raw payloads are padded to about the size of the message taskql publishes per change. */
const PAD = 'x'.repeat(1_000);

/** One round's latencies (ms), how many events never arrived, and the rate they were sent at. */
type RoundResult = Latency & { lost: number; sentPerSecond: number };

export const notification: Scenario = {
  name: 'notification',
  async run(ctx) {
    const events = ctx.options.quick ? 100 : 2_000;
    const ns = ctx.namespace('notification');
    const api = await ctx.taskql('api', ns);
    const driver = new ChangeDriver(ctx, ns);
    const client = await connect(api.port);
    ctx.defer(() => client.dispose());

    // Per round: when each event was sent (by sequence number), and what its arrival measured.
    let sentAt: number[] = [];
    let samples: number[] = [];
    let allArrived = () => {};
    const arrived = (seq: number) => {
      samples.push(wallNow() - sentAt[seq]!);
      if (samples.length === events) allArrived();
    };
    /** Run `send(seq)` at RATE for every event; resolve with the round's latencies. */
    const round = async (send: (seq: number) => void): Promise<RoundResult> => {
      sentAt = [];
      samples = [];
      const done = new Promise<void>((resolve) => (allArrived = resolve));
      const start = wallNow();
      await paced(RATE, events, send);
      const sentPerSecond = events / ((wallNow() - start) / 1000);
      await within(done, 10_000, 'notification round').catch(() => {});
      return { ...latency(samples), lost: events - samples.length, sentPerSecond };
    };

    const publisher = ctx.redis();
    const subscriber = ctx.redis();
    const rawChannel = `${ns.prefix}.raw`;
    subscriber.on('message', (_channel: string, message: string) => arrived((JSON.parse(message) as { seq: number }).seq));
    await subscriber.subscribe(rawChannel);

    const sender = await rawSocketPair(ctx, (message) => arrived((JSON.parse(message) as { seq: number }).seq));

    const ids: string[] = [];
    for (let i = 0; i < TASKS; i++) {
      const id = await driver.runningTask();
      ids.push(id);
      let first = true;
      await new Promise<void>((resolve) => {
        const { unsubscribe } = subscribe(client, TaskUpdatedDocument, { id }, ({ taskUpdated }) => {
          if (first) {
            first = false;
            resolve();
          } else arrived((taskUpdated.progress!.data as { seq: number }).seq);
        });
        ctx.defer(unsubscribe);
      });
    }

    const rounds = await alternate(roundsFor(ctx), {
      redis: () =>
        round((seq) => {
          sentAt[seq] = wallNow();
          void publisher.publish(rawChannel, JSON.stringify({ seq, pad: PAD }));
        }),
      ws: () =>
        round((seq) => {
          sentAt[seq] = wallNow();
          sender.send(JSON.stringify({ seq, pad: PAD }));
        }),
      taskql: () =>
        round((seq) => {
          void driver.progress(ids[seq % TASKS]!, { seq }, (_version, at) => (sentAt[seq] = at));
        }),
    });

    const m = { redis: medianOf(rounds.redis), ws: medianOf(rounds.ws), taskql: medianOf(rounds.taskql) };
    const rows = (['p50', 'p95', 'p99'] as const).flatMap((p) =>
      (['redis', 'ws'] as const).map(
        (base): Row => ({
          scenario: '3 notification',
          measure: `${p} latency at ${RATE} events/s`,
          baseline: base === 'redis' ? 'Redis PUBLISH → ioredis' : 'ws send → receive',
          baselineValue: m[base][p],
          taskql: m.taskql[p],
          unit: 'ms',
          compare: 'diff',
          ...(p === 'p99' && base === 'redis' && { goal: { text: '≤ Redis p99 + 2 ms', met: m.taskql.p99 <= m.redis.p99 + 2 } }),
        }),
      ),
    );
    return { rows, details: { eventsPerRound: events, rate: RATE, tasks: TASKS, rounds, medians: m } };
  },
};

/**
 * A `ws` server and one client of it, both in this process: resolves to the server's side of
 * the connection; `onMessage` gets what the client receives. Closed at the next release.
 */
async function rawSocketPair(ctx: BenchContext, onMessage: (message: string) => void): Promise<WebSocket> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  ctx.defer(() => {
    for (const socket of wss.clients) socket.terminate();
    wss.close();
  });
  await new Promise<void>((resolve) => wss.once('listening', resolve));
  const address = wss.address();
  if (address === null || typeof address === 'string') throw new Error('unexpected address');
  const serverSide = new Promise<WebSocket>((resolve) => wss.once('connection', resolve));
  const client = new WebSocket(`ws://127.0.0.1:${address.port}`);
  client.on('message', (data: Buffer) => onMessage(data.toString()));
  return serverSide;
}
