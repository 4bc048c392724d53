/**
 * Faults 2b and 2c: Redis failovers while tasks flow and subscribers listen. On a Redis Cluster of
 * 3 masters and 3 replicas the master serving the `default` queue's slot is killed, and its replica
 * takes over; behind 3 sentinels the master is killed, and the sentinels promote its replica. The
 * API and the workers follow the new master by themselves (ioredis' cluster and sentinel
 * clients), every accepted task reaches a final state — jobs lost with writes the dead master had
 * not yet replicated are queued again by the reconciler — and a subscriber connected throughout
 * has every event of its task, in order: the event bus re-reads what it may have missed once its
 * subscriptions stand again.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { afterAll, expect, inject, it } from 'vitest';
import { startLocalServers, type LocalRedisNode, type LocalRedisTopology, type LocalServers } from '../../scripts/local-servers.ts';
import type { TaskEventsSubscription } from '../../schema/generated/graphql.ts';
import type { Watched } from '../support/graphql-client.ts';
import { testEnv } from '../support/runtime.ts';
import { waitUntil, within } from '../support/wait.ts';
import { Fleet } from './support/fleet.ts';
import { assertStories, receivedEvents, StoredTasks, type Subscriber } from './support/stories.ts';
import { enqueueSteadily, mixedTask } from './support/traffic.ts';

const fleet = new Fleet('Redis failover');
afterAll(() => fleet.close());

/** How a topology's current master is found and asked whether it has changed. */
interface Failover {
  /** The port of the master to kill. */
  master: () => Promise<number>;
  /** Whether a master other than `killed` serves now. */
  replaced: (killed: number) => Promise<boolean>;
}

/** Asks the server on `port` something over a connection of its own. */
async function ask<T>(port: number, question: (client: Redis) => Promise<T>): Promise<T> {
  const client = new Redis({ host: '127.0.0.1', port, lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0 });
  client.on('error', () => {});
  try {
    await client.connect();
    return await question(client);
  } finally {
    client.disconnect();
  }
}

/** The cluster's master for the `default` queue's keys (hash tag `{default}`), asked of node `port`. */
async function clusterMasterOfDefault(port: number): Promise<number> {
  return ask(port, async (client) => {
    const slot = Number(await client.cluster('KEYSLOT', '{default}'));
    const range = (await client.cluster('SLOTS')).find(([from, to]) => from <= slot && slot <= to);
    if (!range?.[2]) throw new Error(`no master serves slot ${slot}`);
    return range[2][1];
  });
}

function failover(topology: LocalRedisTopology, nodes: LocalRedisNode[]): Failover {
  if (topology === 'cluster') {
    return {
      master: () => clusterMasterOfDefault(nodes[0]!.port),
      replaced: async (killed) => {
        const others = nodes.filter((node) => node.port !== killed);
        const masters = await Promise.all(others.map((node) => clusterMasterOfDefault(node.port).catch(() => killed)));
        return masters.every((port) => port !== killed);
      },
    };
  }
  const sentinel = nodes.find((node) => node.kind === 'sentinel')!.port;
  const master = () => ask(sentinel, async (client) => Number(((await client.call('SENTINEL', 'GET-MASTER-ADDR-BY-NAME', 'mymaster')) as string[])[1]));
  return { master, replaced: async (killed) => (await master()) !== killed };
}

async function runThroughFailover(topology: LocalRedisTopology): Promise<void> {
  const servers: LocalServers = await startLocalServers({ env: { MONGO_URL: inject('mongoUrl') }, redisTopology: topology });
  fleet.onClose(() => servers.stop());
  fleet.log(`servers: ${servers.describe}`);
  const nodes = servers.redisNodes ?? [];
  const env = testEnv(`fault_${topology}`, {
    ...servers.redisEnv,
    WORKER_LOCK_MS: '2000',
    // Replication is asynchronous: a job the dead master had not passed on is queued again.
    RECONCILE_INTERVAL_MS: '1000',
    RECONCILE_GRACE_MS: '2000',
  });
  const stored = new StoredTasks(env);
  fleet.onClose(() => stored.close());
  const [api] = await Promise.all([fleet.start('api', env), fleet.start('worker', env), fleet.start('worker', env)]);
  const client = await fleet.client(api.port);

  const live = new Map<string, Watched<TaskEventsSubscription>>();
  const traffic = enqueueSteadily(client, {
    everyMs: 100,
    maxMs: 20_000,
    maxCount: 200,
    task: mixedTask,
    onAccepted: (id) => live.set(id, client.follow(id)),
  });
  await sleep(2000);

  const { master, replaced } = failover(topology, nodes);
  const killed = await master();
  const node = nodes.find((n) => n.port === killed);
  if (!node) throw new Error(`the master on port ${killed} was not started here`);
  const acceptedAtKill = traffic.accepted.length;
  const killedAt = Date.now();
  await node.control.halt();
  fleet.log(`killed the ${topology} master on port ${killed} with ${acceptedAtKill} tasks accepted`);
  await waitUntil('a replica has taken over', () => replaced(killed), { timeoutMs: 30_000, everyMs: 200 });
  fleet.log(`a replica took over after ${Date.now() - killedAt} ms; ${traffic.refused.length} enqueues refused so far`);
  const acceptedAtFailover = traffic.accepted.length;
  await waitUntil('the API accepts tasks again', async () => traffic.accepted.length > acceptedAtFailover, { timeoutMs: 20_000 });
  await sleep(2000);
  await traffic.stop();
  expect(traffic.refused.every((r) => r.code === 'SERVICE_UNAVAILABLE'), JSON.stringify(traffic.refused)).toBe(true);
  fleet.log(`${traffic.accepted.length} tasks accepted in all, ${traffic.refused.length} refused (SERVICE_UNAVAILABLE) during the failover`);

  await waitUntil('every accepted task is final', async () => (await stored.ids({ final: false, among: traffic.accepted })).length === 0, {
    timeoutMs: 60_000,
    everyMs: 500,
  });
  await within('every subscription completes', 20_000, Promise.all([...live.values()].map((w) => w.completed)));
  const subscribers = new Map<string, Subscriber[]>(
    traffic.accepted.map((id) => [id, [{ name: 'connected throughout', afterVersion: 0, events: receivedEvents(live.get(id)?.results ?? []) }]]),
  );
  const checked = await assertStories(stored, subscribers);
  fleet.log(`checked ${checked} stories: final, coherent, every recorded event received in order`);
}

it('a Redis Cluster master is killed while tasks flow: its replica takes over, every accepted task finishes, and a subscriber has every event', async () => {
  await runThroughFailover('cluster');
});

it('a Sentinel-watched master is killed while tasks flow: the sentinels promote its replica, every accepted task finishes, and a subscriber has every event', async () => {
  await runThroughFailover('sentinel');
});
