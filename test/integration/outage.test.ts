/**
 * MongoDB or Redis unreachable during `enqueueTask`: a fast SERVICE_UNAVAILABLE and nothing
 * half-done. Each case runs the API on a server of its own, which the test really stops.
 */
import { Queue } from 'bullmq';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { EnqueueTaskDocument, EnqueueTasksDocument, TaskDocument } from '../../schema/generated/graphql.ts';
import { schema } from '../../schema/index.ts';
import { startApiServer, type ApiServer } from '../../src/api/server.ts';
import { bullQueueName } from '../../src/queue/queue-names.ts';
import type { Runtime } from '../../src/runtime.ts';
import { startLocalServers } from '../../scripts/local-servers.ts';
import { TestClient } from '../support/graphql-client.ts';
import { startTestRuntime, testConfig } from '../support/runtime.ts';

const TIMEOUT_MS = 1500;
let cleanup: (() => Promise<unknown>)[] = [];

afterEach(async () => {
  for (const step of cleanup.reverse()) await step().catch(() => {});
  cleanup = [];
});

/** The API on the shared servers except the one `own` names, which is started for this test. */
async function apiWithOwn(own: 'MongoDB' | 'Redis') {
  const servers = await startLocalServers({
    env: own === 'Redis' ? { MONGO_URL: inject('mongoUrl') } : inject('redisEnv'),
  });
  cleanup.push(() => servers.stop());
  const runtime: Runtime = await startTestRuntime(
    testConfig(`outage_${own}`, { MONGO_URL: servers.mongoUrl, ...servers.redisEnv, DEPENDENCY_TIMEOUT_MS: String(TIMEOUT_MS) }),
  );
  cleanup.push(() => runtime.close());
  const server: ApiServer = await startApiServer(runtime, schema, 0);
  cleanup.push(() => server.close());
  const client = new TestClient(server.port);
  cleanup.push(() => client.close());
  return { servers, runtime, client };
}

async function timed<T>(work: () => Promise<T>): Promise<{ result: T; ms: number }> {
  const started = performance.now();
  const result = await work();
  return { result, ms: performance.now() - started };
}

describe('a dependency is unreachable during enqueueTask', () => {
  it('Redis down: SERVICE_UNAVAILABLE at once, and the stored task is taken back', async () => {
    const { servers, runtime, client } = await apiWithOwn('Redis');
    const before = await client.data(EnqueueTaskDocument, { input: { type: 'echo' } });
    expect(before.enqueueTask.task.state).toBe('PENDING');
    await servers.stop();

    const { result, ms } = await timed(() => client.request(EnqueueTaskDocument, { input: { type: 'echo', input: { lost: true } } }));
    expect(result.errors?.[0]?.extensions?.['code']).toBe('SERVICE_UNAVAILABLE');
    expect(result.errors?.[0]?.message).toBe('Redis is unavailable; nothing was changed, try again shortly');
    expect(ms).toBeLessThan(TIMEOUT_MS + 2000);
    expect(await runtime.db.collection('tasks').countDocuments()).toBe(1); // only the one before
  });

  it('MongoDB down: SERVICE_UNAVAILABLE within the timeout, and no job is queued', async () => {
    const { servers, runtime, client } = await apiWithOwn('MongoDB');
    const queue = new Queue(bullQueueName('default'), { connection: runtime.redis, prefix: runtime.config.redisPrefix });
    cleanup.push(() => queue.close());
    await servers.stop();

    const { result, ms } = await timed(() => client.request(EnqueueTaskDocument, { input: { type: 'echo' } }));
    expect(result.errors?.[0]?.extensions?.['code']).toBe('SERVICE_UNAVAILABLE');
    expect(result.errors?.[0]?.message).toBe('MongoDB is unavailable; nothing was changed, try again shortly');
    expect(ms).toBeLessThan(TIMEOUT_MS + 2000);
    expect(await queue.count()).toBe(0);

    const read = await client.request(TaskDocument, { id: 'any' });
    expect(read.errors?.[0]?.extensions?.['code']).toBe('SERVICE_UNAVAILABLE');
  });

  it('MongoDB down: enqueueTasks answers SERVICE_UNAVAILABLE too, and queues no job', async () => {
    const { servers, runtime, client } = await apiWithOwn('MongoDB');
    const queue = new Queue(bullQueueName('default'), { connection: runtime.redis, prefix: runtime.config.redisPrefix });
    cleanup.push(() => queue.close());
    await servers.stop();

    // The driver reports a bulk insert that failed as a whole as a bulk error without write
    // errors: that must not read as "inserted, no duplicates".
    const inputs = [{ type: 'echo' }, { type: 'echo' }, { type: 'echo' }];
    const { result, ms } = await timed(() => client.request(EnqueueTasksDocument, { inputs }));
    expect(result.data).toBeNull();
    expect(result.errors?.[0]?.extensions?.['code']).toBe('SERVICE_UNAVAILABLE');
    expect(ms).toBeLessThan(TIMEOUT_MS + 2000);
    expect(await queue.count()).toBe(0);
  });
});
