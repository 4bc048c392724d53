/**
 * OpenTelemetry across processes: an API and a worker process export over OTLP/HTTP to a
 * collector this test runs, as they would to a real one. One trace runs from the caller's
 * `traceparent` through the API's enqueue span to a span per attempt in the worker. Without the
 * `OTEL_*` environment (or with `OTEL_SDK_DISABLED`), no SDK starts and nothing is exported.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CreateScheduleDocument,
  DeleteScheduleDocument,
  EnqueueTaskDocument,
  RetryTaskDocument,
  TaskEventsDocument,
  TaskUpdatedDocument,
} from '../../schema/generated/graphql.ts';
import { TestClient } from '../support/graphql-client.ts';
import { startOtlpCollector, type CollectedSpan, type OtlpCollector } from '../support/otlp-collector.ts';
import { startProcess, type TaskqlProcess } from '../support/processes.ts';
import { testEnv } from '../support/runtime.ts';
import { waitUntil } from '../support/wait.ts';

/** OTLP's span kinds and status codes, as the collector receives them. */
const KIND = { producer: 4, consumer: 5 } as const;
const STATUS = { ok: 1, error: 2 } as const;

/** A caller's W3C trace context: a `traceparent` (sampled) and a `tracestate`. */
function callerContext() {
  const traceId = randomBytes(16).toString('hex');
  const spanId = randomBytes(8).toString('hex');
  return { traceId, spanId, headers: { traceparent: `00-${traceId}-${spanId}-01`, tracestate: 'caller=7' } };
}

/**
 * Start an API and `workers` worker processes with `env`, pushed to `into` as they start (to be
 * stopped); resolves with a client of the API.
 */
async function startProcesses(env: Record<string, string>, into: TaskqlProcess[], workers = 1): Promise<TestClient> {
  const started = await Promise.allSettled([startProcess('api', env), ...Array.from({ length: workers }, () => startProcess('worker', env))]);
  const api = started[0]?.status === 'fulfilled' ? started[0].value : null;
  into.push(...started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : [])));
  const failed = started.find((s) => s.status === 'rejected');
  if (failed) throw failed.reason;
  return new TestClient(api!.port);
}

/** Whether a process logged that tracing started. */
const loggedTracingOn = (process: TaskqlProcess) => process.tail().split('\n').some((line) => line.includes('"msg":"tracing on"'));

describe('tracing on (OTLP/HTTP JSON to a collector)', () => {
  let collector: OtlpCollector;
  const processes: TaskqlProcess[] = [];
  let client: TestClient;

  beforeAll(async () => {
    collector = await startOtlpCollector();
    client = await startProcesses(
      testEnv('tracing', {
        OTEL_EXPORTER_OTLP_ENDPOINT: collector.endpoint,
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
        // Export each span soon after it ends, rather than every 5 s.
        OTEL_BSP_SCHEDULE_DELAY: '50',
        // Short locks, so that a killed worker's job goes to the other in about two seconds.
        WORKER_HEARTBEAT_MS: '300',
        WORKER_LOCK_MS: '2000',
      }),
      processes,
      2,
    );
  });

  afterAll(async () => {
    await client?.close();
    await Promise.all(processes.map((p) => p.stop()));
    await collector?.close();
  });

  it('continues the caller’s traceparent from the enqueue span to a span per attempt, with task id, type, attempt and outcome', async () => {
    const caller = callerContext();
    const { enqueueTask } = await client.data(
      EnqueueTaskDocument,
      { input: { type: 'fail', input: { failAttempts: 1, message: 'first try fails' }, maxAttempts: 2 } },
      caller.headers,
    );
    const id = enqueueTask.task.id;
    await client.watch(TaskEventsDocument, { id }).completed;

    const ofTask = () => collector.spans.filter((span) => span.attributes['taskql.task.id'] === id);
    const attempts = () => ofTask().filter((span) => span.name === 'attempt fail');
    await waitUntil('the collector received the enqueue span and both attempt spans', () => ofTask().length >= 3 && attempts().length >= 2);

    const enqueue = ofTask().find((span) => span.name === 'enqueue fail');
    expect(enqueue).toMatchObject<Partial<CollectedSpan>>({
      service: 'taskql-api',
      traceId: caller.traceId,
      parentSpanId: caller.spanId,
      traceState: 'caller=7',
      kind: KIND.producer,
      attributes: { 'taskql.task.id': id, 'taskql.task.type': 'fail', 'taskql.task.queue': 'default', 'taskql.task.deduplicated': false },
    });

    const [first, second] = attempts().sort((a, b) => Number(a.attributes['taskql.task.attempt']) - Number(b.attributes['taskql.task.attempt']));
    for (const span of [first, second]) {
      expect(span).toMatchObject<Partial<CollectedSpan>>({
        service: 'taskql-worker',
        traceId: caller.traceId,
        // Both attempts ran the one job, which carries the enqueue span's context.
        parentSpanId: enqueue!.spanId,
        traceState: 'caller=7',
        kind: KIND.consumer,
      });
      expect(span?.attributes).toMatchObject({ 'taskql.task.id': id, 'taskql.task.type': 'fail', 'taskql.task.queue': 'default' });
    }
    expect(first?.attributes).toMatchObject({ 'taskql.task.attempt': 1, 'taskql.task.outcome': 'retrying' });
    expect(first?.status).toEqual({ code: STATUS.error, message: 'Error: first try fails' });
    expect(first?.events).toEqual(['exception']);
    expect(second?.attributes).toMatchObject({ 'taskql.task.attempt': 2, 'taskql.task.outcome': 'succeeded' });
    expect(second?.status.code).toBe(STATUS.ok);
    expect(processes.every(loggedTracingOn)).toBe(true);
  });

  it('keeps each caller’s trace when concurrent enqueues are stored and queued together', async () => {
    const callers = Array.from({ length: 8 }, callerContext);
    const ids = await Promise.all(
      callers.map(async (caller, n) => {
        const { enqueueTask } = await client.data(EnqueueTaskDocument, { input: { type: 'echo', input: { n } } }, caller.headers);
        return enqueueTask.task.id;
      }),
    );
    const spansOf = (id: string) => collector.spans.filter((span) => span.attributes['taskql.task.id'] === id);
    await waitUntil('the collector received every enqueue and attempt span', () => ids.every((id) => spansOf(id).length >= 2));
    ids.forEach((id, n) => {
      const enqueue = spansOf(id).find((span) => span.name === 'enqueue echo');
      const attempt = spansOf(id).find((span) => span.name === 'attempt echo');
      expect(enqueue).toMatchObject({ traceId: callers[n]!.traceId, parentSpanId: callers[n]!.spanId });
      expect(attempt).toMatchObject({ traceId: callers[n]!.traceId, parentSpanId: enqueue!.spanId });
    });
  });

  it('starts a trace of its own for an enqueue without a traceparent', async () => {
    const { enqueueTask } = await client.data(EnqueueTaskDocument, { input: { type: 'echo', input: { said: 'hi' } } });
    const id = enqueueTask.task.id;
    const ofTask = () => collector.spans.filter((span) => span.attributes['taskql.task.id'] === id);
    await waitUntil('the collector received the enqueue and attempt spans', () => ofTask().length >= 2);
    const enqueue = ofTask().find((span) => span.name === 'enqueue echo');
    const attempt = ofTask().find((span) => span.name === 'attempt echo');
    expect(enqueue?.parentSpanId).toBe('');
    expect(attempt).toMatchObject({ traceId: enqueue?.traceId, parentSpanId: enqueue?.spanId, attributes: { 'taskql.task.outcome': 'succeeded' } });
  });

  it('continues the retryTask request’s trace in the attempts of the retry', async () => {
    const { enqueueTask } = await client.data(EnqueueTaskDocument, { input: { type: 'fail', input: { failAttempts: 1 }, maxAttempts: 1 } });
    const id = enqueueTask.task.id;
    await client.watch(TaskEventsDocument, { id }).completed; // FAILED
    const retrier = callerContext();
    await client.data(RetryTaskDocument, { id }, retrier.headers);
    expect((await client.watch(TaskEventsDocument, { id }).completed).at(-1)?.data?.taskEvents.type).toBe('SUCCEEDED');

    const second = () => collector.spans.find((span) => span.attributes['taskql.task.id'] === id && span.attributes['taskql.task.attempt'] === 2);
    await waitUntil('the collector received the retried attempt’s span', () => second() !== undefined);
    expect(second()).toMatchObject({ traceId: retrier.traceId, parentSpanId: retrier.spanId, attributes: { 'taskql.task.outcome': 'succeeded' } });
  });

  it('starts a trace in the worker for a task a schedule enqueues', async () => {
    const { createSchedule } = await client.data(CreateScheduleDocument, { input: { name: 'traced', type: 'echo', every: 1000 } });
    const fromSchedule = () => collector.spans.filter((span) => span.name === 'enqueue echo' && span.service === 'taskql-worker');
    const attemptOf = (enqueue: CollectedSpan) => collector.spans.find((span) => span.name === 'attempt echo' && span.parentSpanId === enqueue.spanId);
    try {
      await waitUntil('a scheduled task’s enqueue and attempt spans arrived', () => fromSchedule().some((enqueue) => attemptOf(enqueue)), { timeoutMs: 15_000 });
    } finally {
      await client.data(DeleteScheduleDocument, { id: createSchedule.id });
    }
    const enqueue = fromSchedule().find((span) => attemptOf(span))!;
    expect(enqueue.parentSpanId).toBe('');
    expect(attemptOf(enqueue)).toMatchObject({ traceId: enqueue.traceId, attributes: { 'taskql.task.id': enqueue.attributes['taskql.task.id'] } });
  });

  it('keeps the trace when another worker takes the job over after its worker was SIGKILLed mid-attempt', async () => {
    const caller = callerContext();
    const { enqueueTask } = await client.data(EnqueueTaskDocument, { input: { type: 'sleep', input: { ms: 1500, steps: 5 } } }, caller.headers);
    const id = enqueueTask.task.id;
    const events = client.watch(TaskUpdatedDocument, { id });
    const running = await events.until((r) => r.data?.taskUpdated.state === 'RUNNING');
    const victimId = running.data?.taskUpdated.attempts[0]?.workerId ?? '';
    const victim = processes.find((p) => p.child.pid !== undefined && victimId.includes(`:${p.child.pid}:`));
    expect(victim).toBeDefined();
    victim?.child.kill('SIGKILL');
    expect((await events.completed).at(-1)?.data?.taskUpdated.state).toBe('SUCCEEDED');

    const ofTask = () => collector.spans.filter((span) => span.attributes['taskql.task.id'] === id);
    const finished = () => ofTask().find((span) => span.name === 'attempt sleep' && span.attributes['taskql.task.outcome'] === 'succeeded');
    await waitUntil('the collector received the surviving worker’s attempt span', () => finished() !== undefined);
    const enqueue = ofTask().find((span) => span.name === 'enqueue sleep');
    expect(enqueue).toMatchObject({ traceId: caller.traceId, parentSpanId: caller.spanId });
    expect(finished()).toMatchObject({ traceId: caller.traceId, parentSpanId: enqueue?.spanId, attributes: { 'taskql.task.attempt': 2 } });
    expect(finished()?.attributes['taskql.worker.id']).not.toBe(victimId);
  });
});

describe('tracing off', () => {
  let collector: OtlpCollector;
  const processes: TaskqlProcess[] = [];

  beforeAll(async () => {
    collector = await startOtlpCollector();
  });

  afterAll(async () => {
    await Promise.all(processes.map((p) => p.stop()));
    await collector?.close();
  });

  it.each([
    ['no OTEL_* variables', {}],
    ['OTEL_SDK_DISABLED=true beside an endpoint', { OTEL_SDK_DISABLED: 'true', OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' }],
  ])('with %s: no SDK starts and nothing is exported, though the caller sent a traceparent', async (_, otel: Record<string, string>) => {
    const env = testEnv('untraced', 'OTEL_SDK_DISABLED' in otel ? { ...otel, OTEL_EXPORTER_OTLP_ENDPOINT: collector.endpoint, OTEL_BSP_SCHEDULE_DELAY: '50' } : {});
    const pair: TaskqlProcess[] = [];
    const client = await startProcesses(env, pair);
    processes.push(...pair);
    const { enqueueTask } = await client.data(EnqueueTaskDocument, { input: { type: 'fail', input: { failAttempts: 1 }, maxAttempts: 2 } }, callerContext().headers);
    const seen = await client.watch(TaskEventsDocument, { id: enqueueTask.task.id }).completed;
    expect(seen.at(-1)?.data?.taskEvents.type).toBe('SUCCEEDED');
    await client.close();
    // A stopping process flushes what its SDK holds: once both have exited, anything would have arrived.
    await Promise.all(pair.map((p) => p.stop()));
    expect(pair.some(loggedTracingOn)).toBe(false);
    expect(collector.requests).toBe(0);
  });
});
