/**
 * Fault: MongoDB or Redis failing in the middle of `enqueueFlow`. Redis stopped, so the flow's
 * tasks are stored and then cannot be queued: the answer is SERVICE_UNAVAILABLE saying nothing of
 * the flow is stored, and nothing is. MongoDB stopped while a 1,000-task flow is being written
 * (as soon as the flow's document shows, before its tasks): SERVICE_UNAVAILABLE, and once MongoDB
 * is back the reconciler deletes what was stored; no job was ever queued for it. A server that
 * finishes the writes under way before it stops (FerretDB) may accept the flow instead, answered
 * with its tasks as submitted: then it must be whole. Either way a submission works again afterwards.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { MongoClient } from 'mongodb';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { startLocalServers } from '../../scripts/local-servers.ts';
import { EnqueueFlowDocument, FlowUpdatedDocument, type FlowTaskInput } from '../../schema/generated/graphql.ts';
import type { TestClient } from '../support/graphql-client.ts';
import { testEnv, testQueue } from '../support/runtime.ts';
import { waitUntil, within } from '../support/wait.ts';
import { Fleet } from './support/fleet.ts';

const fleet = new Fleet('flow submission');
afterAll(() => fleet.close());

/** A chord of `size` echo tasks: `size` − 1 in parallel and one depending on all of them. */
function chord(size: number): FlowTaskInput[] {
  const parts = Array.from({ length: size - 1 }, (_, i): FlowTaskInput => ({ ref: `part${i}`, type: 'echo', input: { i } }));
  return [...parts, { ref: 'join', type: 'echo', input: {}, dependsOn: parts.map((p) => p.ref) }];
}

/** What one test's database holds of flows and tasks. */
async function countsIn(env: Record<string, string>): Promise<{ flows: number; changes: number; tasks: number }> {
  const client = new MongoClient(env['MONGO_URL']!, { serverSelectionTimeoutMS: 5_000 });
  try {
    const db = client.db(env['MONGO_DB']);
    const [flows, changes, tasks] = await Promise.all(['flows', 'flow_changes', 'tasks'].map((name) => db.collection(name).countDocuments()));
    return { flows: flows!, changes: changes!, tasks: tasks! };
  } finally {
    await client.close();
  }
}

/** How many jobs the queue holds, in any state a job waits or runs in. */
async function jobsIn(queue: ReturnType<typeof testQueue>): Promise<number> {
  const counts = await queue.getJobCounts('waiting', 'prioritized', 'delayed', 'active', 'paused');
  return Object.values(counts).reduce((a, b) => a + b, 0);
}

/** Submit a small chord and wait for it to succeed: the deployment works. */
async function submitsAgain(client: TestClient): Promise<void> {
  const { enqueueFlow } = await client.data(EnqueueFlowDocument, { input: { tasks: chord(5) } });
  const updates = await within('the flow after the outage completes', 20_000, client.watch(FlowUpdatedDocument, { id: enqueueFlow.id }).completed);
  expect(updates.at(-1)?.data?.flowUpdated.state).toBe('SUCCEEDED');
}

describe('a submission that fails half way leaves nothing', () => {
  it('answers SERVICE_UNAVAILABLE and stores nothing when Redis is stopped after the tasks are stored', async () => {
    const servers = await startLocalServers({ env: { MONGO_URL: inject('mongoUrl') } });
    fleet.onClose(() => servers.stop());
    const redis = servers.redis!;
    const env = testEnv('fault_flow_submit_redis', { REDIS_URL: servers.redisUrl, DEPENDENCY_TIMEOUT_MS: '1000' });
    const [api] = await Promise.all([fleet.start('api', env), fleet.start('worker', env)]);
    const client = await fleet.client(api.port);
    await submitsAgain(client);
    const before = await countsIn(env);

    await redis.halt();
    const refused = await client.request(EnqueueFlowDocument, { input: { tasks: chord(20) } });
    fleet.log(`with Redis stopped: ${JSON.stringify(refused.errors?.[0]?.extensions?.['code'])} ${refused.errors?.[0]?.message}`);
    expect(refused.errors?.[0]?.extensions?.['code']).toBe('SERVICE_UNAVAILABLE');
    // Said by the undo that follows the queueing: the tasks were stored, then deleted again.
    expect(refused.errors?.[0]?.message).toMatch(/^Redis is unavailable: the flow was not submitted; nothing of it is stored/);
    expect(await countsIn(env)).toEqual(before);

    await redis.resume();
    const queue = testQueue(env);
    fleet.onClose(() => queue.close());
    expect(await jobsIn(queue), 'jobs in the queue').toBe(0);
    await within('the API and worker are back on Redis', 20_000, waitUntil('a flow is accepted', async () => !(await client.request(EnqueueFlowDocument, { input: { tasks: chord(2) } })).errors, { timeoutMs: 20_000, everyMs: 250 }));
    await submitsAgain(client);
    fleet.log('Redis back: no job left by the refused flow, and flows run again');
  });

  it('answers SERVICE_UNAVAILABLE when MongoDB stops mid-insert, and the reconciler deletes what was stored', async () => {
    const servers = await startLocalServers({ env: inject('redisEnv'), persistMongo: true });
    fleet.onClose(() => servers.stop());
    const mongo = servers.mongo;
    if (!mongo) throw new Error('the fault suite needs a MongoDB-compatible server it starts and can restart');
    const env = testEnv('fault_flow_submit_mongo', {
      MONGO_URL: servers.mongoUrl,
      DEPENDENCY_TIMEOUT_MS: '1000',
      RECONCILE_INTERVAL_MS: '1000',
      RECONCILE_GRACE_MS: '2000',
    });
    const [api] = await Promise.all([fleet.start('api', env), fleet.start('worker', env)]);
    const client = await fleet.client(api.port);
    const queue = testQueue(env);
    fleet.onClose(() => queue.close());

    // The flow's document is written first, its 1,000 tasks next: stop MongoDB as soon as it shows.
    const watcher = new MongoClient(servers.mongoUrl, { serverSelectionTimeoutMS: 1_000 });
    await watcher.connect();
    const flows = watcher.db(env['MONGO_DB']).collection('flows');
    const answer = client.request(EnqueueFlowDocument, { input: { tasks: chord(1000) } });
    await waitUntil('the flow document is written', async () => (await flows.countDocuments()) > 0, { timeoutMs: 20_000, everyMs: 1 });
    await watcher.close();
    await mongo.halt();
    const answered = await answer;
    const error = answered.errors?.[0];
    if (!error) {
      // The server finished the writes under way before it stopped (FerretDB shuts down
      // gracefully): then the flow must be whole. Its answer, the tasks as submitted, needed no read.
      fleet.log('MongoDB stopped only after the submission completed: checking the flow is whole');
      await mongo.resume();
      expect(await countsIn(env)).toMatchObject({ flows: 1, tasks: 1000 });
      return;
    }
    fleet.log(`MongoDB stopped mid-submission: ${JSON.stringify(error.extensions?.['code'])} ${error.message}`);
    expect(error.extensions?.['code']).toBe('SERVICE_UNAVAILABLE');
    expect(error.message).toMatch(/^MongoDB is unavailable: the flow was not submitted; .*deleted by the reconciler/);
    // Marked submitted before any job is queued: none was.
    expect(await jobsIn(queue), 'jobs in the queue').toBe(0);

    await sleep(500);
    await mongo.resume();
    await waitUntil('nothing of the flow is left', async () => Object.values(await countsIn(env)).every((n) => n === 0), { timeoutMs: 20_000, everyMs: 250 });
    fleet.log('MongoDB back: the reconciler deleted what was stored of the flow; no job was queued for it');
    await submitsAgain(client);
  });
});
