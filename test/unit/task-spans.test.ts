/**
 * taskql's spans with a real SDK in this process (an in-memory exporter): the enqueue span
 * continues the incoming trace and is what a job carries; an attempt span continues the job's
 * trace, parents what the handler makes, and says how the attempt ended.
 */
import { context, propagation, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { InMemorySpanExporter, NodeTracerProvider, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-node';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { activeTraceCarrier, AttemptTrace, traceEnqueue, traceEnqueueBatch, withIncomingTrace } from '../../src/tracing/task-spans.ts';

const exporter = new InMemorySpanExporter();
const provider = new NodeTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });

beforeAll(() => provider.register({ propagator: new W3CTraceContextPropagator() }));
beforeEach(() => exporter.reset());
afterAll(async () => {
  await provider.shutdown();
  trace.disable();
  context.disable();
  propagation.disable();
});

const CALLER = { traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331' };
const headers = { traceparent: `00-${CALLER.traceId}-${CALLER.spanId}-01`, tracestate: 'caller=7' };
const TASK = { id: 'task-1', type: 'echo', queue: 'default' };

const spanNamed = (name: string): ReadableSpan => {
  const span = exporter.getFinishedSpans().find((s) => s.name === name);
  if (!span) throw new Error(`no span ${name} among ${exporter.getFinishedSpans().map((s) => s.name).join(', ')}`);
  return span;
};

/** Enqueue in the caller's trace; resolves with the carrier the job would hold. */
async function enqueueCarrier() {
  let carrier: Record<string, string> | undefined;
  await withIncomingTrace(headers, () =>
    traceEnqueue(async () => {
      carrier = activeTraceCarrier();
      return { task: TASK, deduplicated: false };
    }),
  );
  return carrier;
}

describe('enqueue spans', () => {
  it('continue the caller’s traceparent and tracestate, and are the parent a job carries', async () => {
    const carrier = await enqueueCarrier();
    const enqueue = spanNamed('enqueue echo');
    expect(enqueue.spanContext().traceId).toBe(CALLER.traceId);
    expect(enqueue.parentSpanContext?.spanId).toBe(CALLER.spanId);
    expect(enqueue.spanContext().traceState?.serialize()).toBe('caller=7');
    expect(enqueue.kind).toBe(SpanKind.PRODUCER);
    expect(enqueue.attributes).toEqual({ 'taskql.task.id': 'task-1', 'taskql.task.type': 'echo', 'taskql.task.queue': 'default', 'taskql.task.deduplicated': false });
    expect(carrier).toEqual({ traceparent: `00-${CALLER.traceId}-${enqueue.spanContext().spanId}-01`, tracestate: 'caller=7' });
  });

  it('record a refused enqueue as an error, under a name no client string goes into', async () => {
    await expect(traceEnqueue(() => Promise.reject(new Error('type "x y z" is not declared')))).rejects.toThrow('not declared');
    const span = spanNamed('enqueue');
    expect(span.status).toEqual({ code: SpanStatusCode.ERROR, message: 'Error: type "x y z" is not declared' });
    expect(span.events.map((e) => e.name)).toEqual(['exception']);
  });

  it('count the tasks of a batch', async () => {
    await traceEnqueueBatch(async () => [{ task: TASK, deduplicated: false }, { task: { ...TASK, id: 'task-2' }, deduplicated: true }]);
    expect(spanNamed('enqueue batch').attributes).toEqual({ 'taskql.task.count': 2 });
  });
});

describe('attempt spans', () => {
  it('continue the job’s trace, parent the spans the handler makes, and end with the outcome', async () => {
    const carrier = await enqueueCarrier();
    const attempt = new AttemptTrace(carrier);
    attempt.begin({ ...TASK, attempt: 3 }, 'worker-a');
    await attempt.run(async () => trace.getTracer('handler').startSpan('GET /inventory').end());
    attempt.ended('cancelled');

    const span = spanNamed('attempt echo');
    expect(span.spanContext().traceId).toBe(CALLER.traceId);
    expect(span.parentSpanContext?.spanId).toBe(spanNamed('enqueue echo').spanContext().spanId);
    expect(span.kind).toBe(SpanKind.CONSUMER);
    expect(span.attributes).toEqual({
      'taskql.task.id': 'task-1',
      'taskql.task.type': 'echo',
      'taskql.task.queue': 'default',
      'taskql.task.attempt': 3,
      'taskql.worker.id': 'worker-a',
      'taskql.task.outcome': 'cancelled',
    });
    expect(span.status.code).toBe(SpanStatusCode.UNSET);
    expect(spanNamed('GET /inventory').parentSpanContext?.spanId).toBe(span.spanContext().spanId);
  });

  it('give a failed attempt the error status and the error, and end once however often they are told', async () => {
    const attempt = new AttemptTrace(undefined);
    attempt.begin({ ...TASK, attempt: 1 }, 'worker-a');
    attempt.ended('retrying', { name: 'TimeoutError', message: 'attempt 1 timed out after 50 ms', stack: 'TimeoutError: …' });
    attempt.interrupted(new Error('MongoDB went away'));
    attempt.ended('failed');

    const spans = exporter.getFinishedSpans();
    expect(spans).toHaveLength(1);
    expect(spans[0]?.parentSpanContext).toBeUndefined();
    expect(spans[0]?.attributes['taskql.task.outcome']).toBe('retrying');
    expect(spans[0]?.status).toEqual({ code: SpanStatusCode.ERROR, message: 'TimeoutError: attempt 1 timed out after 50 ms' });
    expect(spans[0]?.events[0]?.attributes).toMatchObject({ 'exception.type': 'TimeoutError', 'exception.stacktrace': 'TimeoutError: …' });
  });

  it('end an attempt whose recording failed with that error, and make no span for a job that started no attempt', () => {
    const interrupted = new AttemptTrace(undefined);
    interrupted.begin({ ...TASK, attempt: 2 }, 'worker-a');
    interrupted.interrupted(new Error('no answer from Redis in 5000 ms'));
    new AttemptTrace(undefined).interrupted(new Error('MongoDB went away before STARTED'));

    const spans = exporter.getFinishedSpans();
    expect(spans).toHaveLength(1);
    expect(spans[0]?.attributes['taskql.task.outcome']).toBeUndefined();
    expect(spans[0]?.status).toEqual({ code: SpanStatusCode.ERROR, message: 'Error: no answer from Redis in 5000 ms' });
  });
});
