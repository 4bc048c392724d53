/**
 * Scenario 4, fan-out: N graphql-ws subscribers on one API process, all with the same
 * subscription, and the time for one recorded change to reach all of them; against a raw `ws`
 * server (one Redis subscriber, each message sent as is to every socket) broadcasting the same
 * payload to N sockets. Two subscriptions: `taskUpdated` of one task, and `taskFeed` with a filter
 * that matches 1 in 10 tasks while changes are spread over 10 tasks, so each matching change comes
 * with 9 that every feed must test and drop. Subscribers live in forked processes; the API and the
 * raw server are restarted for each subscription and N, so the growth of their resident memory
 * is what the N connections cost. Their heap and buffers (`process.memoryUsage()`) are read too:
 * a steadier figure, since freed pages blur resident memory from run to run.
 */
import type { ChildProcess } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { parse, print } from 'graphql';
import { TaskFeedDocument, TaskUpdatedDocument } from '../schema/generated/graphql.ts';
import { isMessage, type ListeningMessage, type SubscribeCommand } from './children/protocol.ts';
import { alternate } from './lib/alternate.ts';
import { memoryOf, nextMessage, stopChild, wallNow, type BenchContext, type MemoryReading } from './lib/context.ts';
import { ChangeDriver } from './lib/direct.ts';
import { connect, subscribe } from './lib/graphql.ts';
import type { Row } from './lib/report.ts';
import { roundsFor, type Scenario } from './lib/scenario.ts';
import { percentile, medianOf } from './lib/stats.ts';
import { openSubscribers, reachAll } from './lib/subscribers.ts';

/** The tag of the one driven task in ten that `taskFeed` subscribers ask for. */
const MATCH_TAG = 'fan-out-match';

/** A subscription to fan out. */
interface FanOutSubscription {
  name: string;
  /** Its root field, whose `version` identifies an event. */
  field: string;
  query: string;
  /** Its variables, given the task whose changes every subscriber receives. */
  variables: (taskId: string) => Record<string, unknown>;
  /** Tasks the changes are spread over; only the first (tagged MATCH_TAG) concerns subscribers. */
  tasks: number;
  /**
   * Whether it sends a first result at once; if not, the runner records matching changes until
   * every subscriber has had one, which is how it knows all are live.
   */
  immediate: boolean;
}

const SUBSCRIPTIONS: FanOutSubscription[] = [
  { name: 'taskUpdated', field: 'taskUpdated', query: print(TaskUpdatedDocument), variables: (id) => ({ id }), tasks: 1, immediate: true },
  { name: 'taskFeed', field: 'taskFeed', query: print(TaskFeedDocument), variables: () => ({ filter: { tags: [MATCH_TAG] } }), tasks: 10, immediate: false },
];

/** How often the runner records a matching change while feed subscribers wait for their first result. */
const PROBE_INTERVAL_MS = 250;

/** One round: time for each event to reach every subscriber (ms), p50 and p99 over the round's events. */
interface Round {
  p50: number;
  p99: number;
}

export const fanOut: Scenario = {
  name: 'fan-out',
  async run(ctx) {
    const sizes = ctx.options.quick ? [50] : [1_000, 10_000];
    const eventsPerRound = ctx.options.quick ? 3 : 10;
    const rows: Row[] = [];
    const details: Record<string, unknown> = {};
    const failures: string[] = [];
    for (const subscription of SUBSCRIPTIONS) {
      for (const n of sizes) {
        // A size the machine cannot serve (subscribers not all live in time) is reported, and the
        // smaller sizes' results are kept.
        const result = await measure(ctx, subscription, n, eventsPerRound).catch((error: unknown) => error as Error);
        if (result instanceof Error) {
          details[`${subscription.name}/${n}`] = { error: result.message };
          failures.push(`${subscription.name} with ${n} subscribers: ${result.message}`);
          continue;
        }
        details[`${subscription.name}/${n}`] = result;
        const scenario = `4 fan-out, ${n.toLocaleString('en-US')} subscribers`;
        const measureOf = (what: string) => `${subscription.name}: ${what}`;
        const baseline = 'raw ws broadcast';
        const { raw, taskql } = result.medians;
        const deliveries = { raw: n / (raw.p50 / 1000), taskql: n / (taskql.p50 / 1000) };
        const big = n >= 10_000;
        const memoryRow = (what: string, perConnection: { raw: number; taskql: number }, goal: boolean) => ({
          scenario,
          measure: measureOf(what),
          baseline,
          baselineValue: perConnection.raw / 1024,
          taskql: perConnection.taskql / 1024,
          unit: 'KiB',
          compare: 'ratio' as const,
          ...(goal && { goal: { text: '≤ 3×', met: perConnection.taskql <= 3 * perConnection.raw } }),
        });
        rows.push(
          { scenario, measure: measureOf('time to reach all, p50'), baseline, baselineValue: raw.p50, taskql: taskql.p50, unit: 'ms', compare: 'ratio' },
          { scenario, measure: measureOf('time to reach all, p99'), baseline, baselineValue: raw.p99, taskql: taskql.p99, unit: 'ms', compare: 'ratio' },
          {
            scenario,
            measure: measureOf('deliveries/s (at p50)'),
            baseline,
            baselineValue: deliveries.raw,
            taskql: deliveries.taskql,
            unit: '/s',
            compare: 'ratio',
            ...(big && { goal: { text: '≥ 0.3×', met: deliveries.taskql >= 0.3 * deliveries.raw } }),
          },
          memoryRow('server RSS per connection', result.rssPerConnection, big),
          memoryRow('server heap + buffers per connection', result.heapPerConnection, false),
        );
      }
    }
    if (rows.length === 0) throw new Error(failures.join('; '));
    return { rows, details: { ...details, failures } };
  },
};

async function measure(ctx: BenchContext, subscription: FanOutSubscription, n: number, eventsPerRound: number) {
  const ns = ctx.namespace(`fanout-${subscription.name}-${n}`);
  const api = await ctx.taskql('api', ns);
  const rawChannel = `${ns.prefix}.raw`;
  const rawServer = ctx.child('raw-ws-server', { REDIS_URL: ctx.servers.redisUrl, CHANNEL: rawChannel });
  const { port: rawPort } = await nextMessage(rawServer, isMessage<ListeningMessage>('listening'), 30_000);
  const driver = new ChangeDriver(ctx, ns);
  const taskId = await driver.runningTask([MATCH_TAG]);
  const others = await Promise.all(Array.from({ length: subscription.tasks - 1 }, () => driver.runningTask()));
  /** Record a change of every driven task, the matching one last; resolves with when that one was recorded. */
  const change = async (data: unknown) => {
    let at = 0;
    const rest = others.map((id) => driver.progress(id, data));
    await driver.progress(taskId, data, (_v, recordedAt) => (at = recordedAt));
    await Promise.all(rest);
    return at;
  };
  /** `ready`, recording changes every PROBE_INTERVAL_MS meanwhile unless the subscription sends at once. */
  const probeUntil = async <T>(ready: Promise<T>): Promise<T> => {
    if (subscription.immediate) return ready;
    let settled = false;
    const result = ready.finally(() => (settled = true));
    while (!settled) {
      await Promise.race([result, sleep(PROBE_INTERVAL_MS)]);
      if (!settled) await change({ probe: true });
    }
    return result;
  };

  // The raw server broadcasts what a taskql subscriber receives for a change: the same bytes.
  const client = await connect(api.port);
  const sample = await probeUntil(
    new Promise<unknown>((resolve) => {
      const { unsubscribe } = subscribe(client, parse(subscription.query), subscription.variables(taskId), (data) => {
        unsubscribe();
        resolve(data);
      });
    }),
  );
  await client.dispose();
  const rawMessage = (version: number) => {
    const data = structuredClone(sample) as Record<string, { version: number }>;
    data[subscription.field]!.version = version;
    return JSON.stringify({ id: 'b1d3c0de-0000-4000-8000-000000000000', type: 'next', payload: { data } });
  };

  const before = { taskql: await memoryOf(api.child.pid!), raw: await memoryOf(rawServer.pid!) };
  const open = async (kind: SubscribeCommand['kind'], port: number): Promise<ChildProcess[]> => {
    const { children, opened, ready } = openSubscribers(ctx, {
      kind,
      ports: [port],
      count: n,
      field: subscription.field,
      ...(kind === 'graphql' && { query: subscription.query, variables: subscription.variables(taskId) }),
    });
    await opened;
    await probeUntil(ready);
    return children;
  };
  const graphqlChildren = await open('graphql', api.port);
  const rawChildren = await open('raw', rawPort);
  const after = { taskql: await memoryOf(api.child.pid!), raw: await memoryOf(rawServer.pid!) };
  const perConnection = (reading: keyof MemoryReading) => ({
    taskql: (after.taskql[reading] - before.taskql[reading]) / n,
    raw: (after.raw[reading] - before.raw[reading]) / n,
  });
  const rssPerConnection = perConnection('rss');
  const heapPerConnection = perConnection('heap');

  const summary = (times: number[]): Round => ({ p50: percentile(times, 50), p99: percentile(times, 99) });
  const publisher = ctx.redis();
  let rawVersion = 0;

  const rounds = await alternate(roundsFor(ctx), {
    raw: async () => {
      const times: number[] = [];
      for (let e = 0; e < eventsPerRound; e++) {
        const version = ++rawVersion;
        times.push(
          await reachAll(rawChildren, version, async () => {
            const at = wallNow();
            await publisher.publish(rawChannel, rawMessage(version));
            return at;
          }),
        );
      }
      return summary(times);
    },
    taskql: async () => {
      const times: number[] = [];
      for (let e = 0; e < eventsPerRound; e++) {
        times.push(await reachAll(graphqlChildren, driver.version(taskId) + 1, () => change({ e })));
      }
      return summary(times);
    },
  });

  await Promise.all([...graphqlChildren, ...rawChildren].map(stopChild));
  await Promise.all([api.stop(), stopChild(rawServer)]);
  return { rounds, medians: { raw: medianOf(rounds.raw), taskql: medianOf(rounds.taskql) }, memory: { before, after }, rssPerConnection, heapPerConnection };
}
