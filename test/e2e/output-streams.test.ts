/**
 * Output streams as production runs them: two API processes and a worker process. The built-in
 * `generate` writes 5,000 chunks as fast as it can (enqueued through API 1); subscribers on API 2
 * get every chunk in order exactly once — one throughout, one that leaves at about chunk 2,000
 * and resumes after the last it saw, one that starts after the task finished — and the 5,000
 * chunks cost a few dozen MongoDB inserts and Redis publishes, counted on the servers themselves.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EnqueueTaskDocument, TaskDocument, TaskOutputStreamDocument, type TaskOutputStreamSubscription } from '../../schema/generated/graphql.ts';
import { loadConfig } from '../../src/config.ts';
import { taskOutputChannel } from '../../src/events/task-output-bus.ts';
import { createRedisConnection, type RedisConnection } from '../../src/redis/connections.ts';
import { PubSub } from '../../src/redis/pubsub.ts';
import type { Runtime } from '../../src/runtime.ts';
import { generatedToken } from '../../src/tasks/builtin/generate.ts';
import { TestClient } from '../support/graphql-client.ts';
import { startProcess, startTogether, type TaskqlProcess } from '../support/processes.ts';
import { startTestRuntime, testEnv } from '../support/runtime.ts';

const CHUNKS = 5000;
/** "A few dozen": the most inserts, and publishes, the 5,000 chunks may cost. */
const MOST_WRITES = 40;

let processes: TaskqlProcess[] = [];
let api1: TestClient;
let api2: TestClient;
/** The servers as the processes use them, to count what reached them. */
let servers: Runtime;
/**
 * A pub/sub of the test's own, as taskql's processes have, to count publishes. On a cluster it
 * subscribes with SSUBSCRIBE, which hears only SPUBLISH: the count shows the batches were sharded.
 */
let publishes: PubSub;
let connections: RedisConnection[] = [];
const published = new Map<string, number>();

beforeAll(async () => {
  const env = testEnv('output-streams');
  processes = await startTogether([startProcess('api', env), startProcess('api', env), startProcess('worker', env)]);
  api1 = new TestClient(processes[0]!.port);
  api2 = new TestClient(processes[1]!.port);
  servers = await startTestRuntime(loadConfig(env));
  connections = (['commands', 'subscriber'] as const).map((purpose) => createRedisConnection(loadConfig(env).redis, purpose, 5000));
  await Promise.all(connections.map((c) => c.connect()));
  publishes = new PubSub(connections[0]!, connections[1]!);
  publishes.onMessages(`${env['REDIS_PREFIX']!}:task-output:`, (channel) => published.set(channel, (published.get(channel) ?? 0) + 1));
  await Promise.all([api1.connected, api2.connected]);
});

afterAll(async () => {
  for (const connection of connections) connection.disconnect();
  await Promise.all([api1?.close(), api2?.close()]);
  await Promise.all(processes.map((p) => p.stop()));
  await servers?.close();
});

const seqs = (results: { data?: TaskOutputStreamSubscription | null }[]) => results.map((r) => r.data!.taskOutput.seq);
const texts = (results: { data?: TaskOutputStreamSubscription | null }[]) => results.map((r) => r.data!.taskOutput.data);
const all = Array.from({ length: CHUNKS }, (_, i) => i + 1);

describe('5,000 chunks written as fast as the handler can', () => {
  it('reach subscribers on another API process in order, exactly once, resumable, and replayed after the end', async () => {
    // A moment's delay, so the subscribers are there while it runs (replay would cover them anyway).
    const { enqueueTask } = await api1.data(EnqueueTaskDocument, { input: { type: 'generate', input: { words: CHUNKS, rate: 0, seed: 7 }, delayMs: 1000 } });
    const id = enqueueTask.task.id;
    await publishes.join(taskOutputChannel(servers.config.redisPrefix, id));

    const throughout = api2.watch(TaskOutputStreamDocument, { id });
    const leaving = api2.watch(TaskOutputStreamDocument, { id });
    const left = await leaving.until((r) => (r.data?.taskOutput.seq ?? 0) >= 2000);
    leaving.unsubscribe();
    const last = Math.max(...seqs(leaving.results));
    expect(left.data!.taskOutput.seq).toBeLessThanOrEqual(last);
    const resumed = await api2.watch(TaskOutputStreamDocument, { id, after: last }).completed;

    const live = await throughout.completed;
    expect(seqs(live)).toEqual(all);
    expect(texts(live)).toEqual(all.map((seq) => generatedToken(7, seq - 1)));
    expect([...seqs(leaving.results), ...seqs(resumed)]).toEqual(all);
    expect(seqs(resumed)[0]).toBe(last + 1);

    const { task } = await api1.data(TaskDocument, { id });
    expect(task).toMatchObject({ state: 'SUCCEEDED', result: { words: CHUNKS, text: texts(live).join('') } });
    const late = await api2.watch(TaskOutputStreamDocument, { id }).completed;
    expect(seqs(late)).toEqual(all);

    // What the chunks cost: one insert per stored batch, one publish per batch.
    const inserts = await servers.db.collection('task_output').countDocuments({ taskId: id });
    const publishCount = published.get(taskOutputChannel(servers.config.redisPrefix, id)) ?? 0;
    console.info(`5,000 chunks: ${inserts} MongoDB inserts, ${publishCount} Redis publishes of output batches`);
    expect(inserts).toBeGreaterThanOrEqual(1);
    expect(inserts).toBeLessThanOrEqual(MOST_WRITES);
    // The log's two lines are published on the same channel, in at most two more batches.
    expect(publishCount).toBeLessThanOrEqual(MOST_WRITES + 2);
  });
});
