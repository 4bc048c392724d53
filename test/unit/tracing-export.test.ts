/**
 * Tracing started from the environment as a process starts it, exporting to a collector in this
 * process: over OTLP/HTTP protobuf, the specification's default protocol (the e2e test covers
 * JSON), with what is still buffered exported on close.
 */
import { context, propagation, trace } from '@opentelemetry/api';
import { afterAll, expect, it, vi } from 'vitest';
import { createLogger } from '../../src/logger.ts';
import { startTracing } from '../../src/tracing/setup.ts';
import { traceEnqueue, withIncomingTrace } from '../../src/tracing/task-spans.ts';
import { startOtlpCollector } from '../support/otlp-collector.ts';

afterAll(() => {
  vi.unstubAllEnvs();
  trace.disable();
  context.disable();
  propagation.disable();
});

it('exports over OTLP/HTTP protobuf by default, and on close exports what it still holds', async () => {
  const collector = await startOtlpCollector();
  // The exporter reads its endpoint from the process's environment, as in production.
  vi.stubEnv('OTEL_EXPORTER_OTLP_ENDPOINT', collector.endpoint);
  const tracing = await startTracing('taskql-test', createLogger('silent', 'test'));
  expect(tracing.enabled).toBe(true);

  const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
  await withIncomingTrace({ traceparent: `00-${traceId}-00f067aa0ba902b7-01` }, () =>
    traceEnqueue(async () => ({ task: { id: 'task-1', type: 'echo', queue: 'default' }, deduplicated: false })),
  );
  expect(collector.requests).toBe(0); // batched: the default delay is 5 s
  await tracing.close();
  await collector.close();

  expect(collector.protobufBodies).toHaveLength(1);
  const body = collector.protobufBodies[0]!;
  // Protobuf keeps the trace id as its 16 bytes and strings as UTF-8.
  expect(body.includes(Buffer.from(traceId, 'hex'))).toBe(true);
  for (const text of ['enqueue echo', 'taskql.task.id', 'task-1', 'service.name', 'taskql-test']) expect(body.includes(text), text).toBe(true);
});
