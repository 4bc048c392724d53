/**
 * The API and a worker in this process, on the real MongoDB-compatible server and Redis, driven
 * by a client over real HTTP and a real WebSocket.
 */
import { request as httpRequest } from 'node:http';
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  EnqueueTaskDocument,
  TaskDocument,
  TaskEventsDocument,
  TaskHistoryDocument,
  TaskTypesDocument,
  TaskUpdatedDocument,
  type EnqueueTaskInput,
  type TaskEventsSubscription,
} from '../../schema/generated/graphql.ts';
import { bullQueueName } from '../../src/queue/queue-names.ts';
import type { Runtime } from '../../src/runtime.ts';
import { builtinHandlers } from '../../worker/handlers/index.ts';
import { TaskWorker } from '../../worker/task-worker.ts';
import { TestClient } from '../support/graphql-client.ts';
import { startStack, type Stack } from '../support/stack.ts';

let stack: Stack;
let runtime: Runtime;
let client: TestClient;

beforeAll(async () => {
  stack = await startStack('api');
  ({ runtime, client } = stack);
});

afterAll(async () => {
  await stack?.close();
});

const enqueue = async (input: EnqueueTaskInput) => (await client.data(EnqueueTaskDocument, { input })).enqueueTask.task;

const eventsOf = (results: { data?: TaskEventsSubscription | null }[]) =>
  results.map((r) => `${r.data?.taskEvents.version}:${r.data?.taskEvents.type}`);

describe('enqueue → worker → MongoDB → Redis → subscription', () => {
  it('answers enqueueTask at once with a PENDING task at version 1', async () => {
    const task = await enqueue({ type: 'echo', input: { hello: 'world' }, tags: ['a', 'a', 'b'], priority: 7 });
    expect(task).toMatchObject({ type: 'echo', queue: 'default', state: 'PENDING', version: 1, attempt: 0, input: { hello: 'world' }, tags: ['a', 'b'], priority: 7 });
  });

  it('replays and then streams every event of an echo task, and completes after SUCCEEDED', async () => {
    const task = await enqueue({ type: 'echo', input: { n: [1, [2, { $odd: 'key', 'dotted.key': true }]] } });
    const watched = client.watch(TaskEventsDocument, { id: task.id });
    const results = await watched.completed;
    expect(eventsOf(results)).toEqual(['1:CREATED', '2:STARTED', '3:SUCCEEDED']);
    const final = await client.data(TaskDocument, { id: task.id });
    expect(final.task).toMatchObject({ state: 'SUCCEEDED', version: 3, result: { n: [1, [2, { $odd: 'key', 'dotted.key': true }]] } });
    expect(final.task?.attempts).toEqual([expect.objectContaining({ number: 1, outcome: 'SUCCEEDED', workerId: stack.worker?.id })]);
  });

  it('pushes sleep progress live through taskUpdated, ending with the result', async () => {
    const task = await enqueue({ type: 'sleep', input: { ms: 400, steps: 4 } });
    const watched = client.watch(TaskUpdatedDocument, { id: task.id });
    const results = await watched.completed;
    const tasks = results.map((r) => r.data?.taskUpdated);
    const versions = tasks.map((t) => t?.version ?? 0);
    expect(versions).toEqual([...versions].sort((a, b) => a - b));
    expect(new Set(versions).size).toBe(versions.length);
    const percents = tasks.flatMap((t) => (t?.state === 'RUNNING' && t.progress ? [t.progress.percent] : []));
    expect(percents.length).toBeGreaterThanOrEqual(2);
    expect(percents).toEqual([...percents].sort((a, b) => (a ?? 0) - (b ?? 0)));
    expect(tasks.at(-1)).toMatchObject({ state: 'SUCCEEDED', result: { sleptMs: 400 }, progress: { percent: 100, message: 'step 4/4' } });
  });

  it('retries a failing attempt: RUNNING → RETRYING → RUNNING → SUCCEEDED with two attempts', async () => {
    const task = await enqueue({ type: 'fail', input: { failAttempts: 1, message: 'first try fails' }, maxAttempts: 2 });
    const results = await client.watch(TaskEventsDocument, { id: task.id }).completed;
    expect(eventsOf(results)).toEqual(['1:CREATED', '2:STARTED', '3:RETRY_SCHEDULED', '4:STARTED', '5:SUCCEEDED']);
    const retry = results[2]?.data?.taskEvents;
    expect(retry).toMatchObject({ state: 'RETRYING', error: { name: 'Error', message: 'first try fails', retryable: true } });
    expect(Date.parse(retry?.nextRunAt ?? '')).toBeGreaterThan(Date.parse(retry?.at ?? ''));
    const final = (await client.data(TaskDocument, { id: task.id })).task;
    expect(final).toMatchObject({ state: 'SUCCEEDED', result: { attempt: 2 }, attempt: 2, error: null });
    expect(final?.attempts.map((a) => [a.number, a.outcome, a.error?.message ?? null])).toEqual([
      [1, 'FAILED', 'first try fails'],
      [2, 'SUCCEEDED', null],
    ]);
  });

  it('fails a task for good on a non-retryable error, whatever attempts are left', async () => {
    const task = await enqueue({ type: 'fail', input: { retryable: false, message: 'no point' }, maxAttempts: 5 });
    const results = await client.watch(TaskEventsDocument, { id: task.id }).completed;
    expect(eventsOf(results)).toEqual(['1:CREATED', '2:STARTED', '3:FAILED']);
    const final = (await client.data(TaskDocument, { id: task.id })).task;
    expect(final).toMatchObject({ state: 'FAILED', attempt: 1, error: { name: 'NonRetryableError', message: 'no point', retryable: false } });
  });

  it('replays exactly the events after afterVersion, then completes', async () => {
    const task = await enqueue({ type: 'fail', input: { failAttempts: 1 }, maxAttempts: 2 });
    await client.watch(TaskEventsDocument, { id: task.id }).completed;
    const late = await client.watch(TaskEventsDocument, { id: task.id, afterVersion: 2 }).completed;
    expect(eventsOf(late)).toEqual(['3:RETRY_SCHEDULED', '4:STARTED', '5:SUCCEEDED']);
    const history = await client.data(TaskHistoryDocument, { id: task.id, afterVersion: 3 });
    expect(history.task?.events.map((e) => e.version)).toEqual([4, 5]);
    const none = await client.watch(TaskEventsDocument, { id: task.id, afterVersion: 5 }).completed;
    expect(none).toEqual([]);
  });

  it('lists the built-in task types with JSON Schemas of their inputs', async () => {
    const { taskTypes } = await client.data(TaskTypesDocument, {});
    expect(taskTypes.map((t) => t.name)).toEqual(['echo', 'sleep', 'fail', 'generate']);
    const sleep = taskTypes.find((t) => t.name === 'sleep');
    expect(sleep?.inputSchema).toMatchObject({ type: 'object', properties: { ms: { type: 'integer', minimum: 0, maximum: 3_600_000 } } });
  });
});

describe('bad input', () => {
  const storedTasks = () => runtime.db.collection('tasks').countDocuments();
  const queuedJobs = async () => {
    const queue = new Queue(bullQueueName('default'), { connection: runtime.redis, prefix: runtime.config.redisPrefix });
    try {
      return await queue.count();
    } finally {
      await queue.close();
    }
  };

  it('rejects an unknown type, a bad field or a bad option with BAD_USER_INPUT naming it, storing and queueing nothing', async () => {
    await stack.worker?.close(); // so nothing drains the queue while we count it
    try {
      const [tasksBefore, jobsBefore] = [await storedTasks(), await queuedJobs()];
      const cases: [object, string][] = [
        [{ type: 'nope' }, 'unknown task type "nope"'],
        [{ type: 'sleep', input: { ms: -5 } }, 'input.input.ms'],
        [{ type: 'sleep', input: { ms: 'soon' } }, 'input.input.ms'],
        [{ type: 'sleep' }, 'input.input.ms'],
        [{ type: 'echo', input: [1, 2] }, 'input.input'],
        [{ type: 'echo', priority: 11 }, 'input.priority'],
        [{ type: 'echo', maxAttempts: 0 }, 'input.maxAttempts'],
        [{ type: 'echo', queue: 'no:colons' }, 'input.queue'],
      ];
      for (const [input, named] of cases) {
        const result = await client.request(EnqueueTaskDocument, { input: input as never });
        expect(result.errors?.[0]?.extensions?.['code'], JSON.stringify(input)).toBe('BAD_USER_INPUT');
        expect(result.errors?.[0]?.message).toContain(named);
      }
      expect([await storedTasks(), await queuedJobs()]).toEqual([tasksBefore, jobsBefore]);
    } finally {
      stack.worker = new TaskWorker(runtime, builtinHandlers);
      await stack.worker.start();
    }
  });

  it('lists each schema problem in extensions.issues, so a form can show it next to its field', async () => {
    const result = await client.request(EnqueueTaskDocument, { input: { type: 'sleep', input: { ms: -5, steps: 0 } } });
    expect(result.errors?.[0]?.extensions?.['issues']).toEqual([
      { path: 'input.input.ms', message: expect.stringContaining('>=0') as unknown },
      { path: 'input.input.steps', message: expect.stringContaining('>=1') as unknown },
    ]);
  });

  it('rejects a request body over the limit with BAD_USER_INPUT', async () => {
    const response = await fetch(`http://127.0.0.1:${stack.server.port}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: 'mutation($i: JSON) { enqueueTask(input: {type: "echo", input: $i}) { task { id } } }', variables: { i: { pad: 'x'.repeat(1_100_000) } } }),
    });
    const body = (await response.json()) as { errors: { extensions: { code: string } }[] };
    expect(response.status).toBe(413);
    expect(body.errors[0]?.extensions.code).toBe('BAD_USER_INPUT');
  });

  it('counts a chunked body, which has no Content-Length: over the limit is BAD_USER_INPUT, under it is served', async () => {
    const send = (pad: number) => chunkedPost(stack.server.port, JSON.stringify({ query: 'mutation($i: JSON) { enqueueTask(input: {type: "echo", input: $i}) { task { id } } }', variables: { i: { pad: 'x'.repeat(pad) } } }));
    const over = await send(1_100_000);
    expect(over.status).toBe(413);
    expect((JSON.parse(over.body) as { errors: { extensions: { code: string } }[] }).errors[0]?.extensions.code).toBe('BAD_USER_INPUT');
    const under = await send(10);
    expect(under.status).toBe(200);
    expect((JSON.parse(under.body) as { data: { enqueueTask: { task: { id: string } } } }).data.enqueueTask.task.id).toEqual(expect.any(String));
  });

  it('answers null for an unknown task, and NOT_FOUND to a subscription of one', async () => {
    expect((await client.data(TaskDocument, { id: 'no-such-task' })).task).toBeNull();
    const results = await client.watch(TaskUpdatedDocument, { id: 'no-such-task' }).completed;
    expect(results[0]?.errors?.[0]?.extensions?.['code']).toBe('NOT_FOUND');
  });

  it('keeps internals out of unexpected errors and gives query mistakes a contract code', async () => {
    const response = await fetch(`http://127.0.0.1:${stack.server.port}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"query": "{ task(id: ',
    });
    const body = (await response.json()) as { errors: { message: string; extensions: Record<string, unknown> }[] };
    expect(body.errors[0]?.extensions['code']).toBe('BAD_USER_INPUT');
    expect(JSON.stringify(body)).not.toMatch(/originalError|stack|at \w+ \(/);
  });
});

/** POST `body` to the GraphQL endpoint in chunks of 64 KiB with no Content-Length (Transfer-Encoding: chunked). */
function chunkedPost(port: number, body: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path: '/graphql', method: 'POST', headers: { 'content-type': 'application/json' } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on('error', reject);
    for (let at = 0; at < body.length; at += 65_536) req.write(body.slice(at, at + 65_536));
    req.end();
  });
}
