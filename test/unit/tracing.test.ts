/**
 * Which `OTEL_*` environments turn tracing on, and what an untraced process does: nothing — no
 * SDK, no-op spans, no trace context added to jobs.
 */
import { context, propagation, trace } from '@opentelemetry/api';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.ts';
import { startTracing, tracingSettings } from '../../src/tracing/setup.ts';
import { activeTraceCarrier, AttemptTrace, withIncomingTrace } from '../../src/tracing/task-spans.ts';

const ENDPOINT = { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' };

describe('tracingSettings', () => {
  it('stays off without an exporter or an endpoint, whatever else is set', () => {
    expect(tracingSettings({})).toBeNull();
    expect(tracingSettings({ OTEL_SERVICE_NAME: 'api', OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json', OTEL_BSP_SCHEDULE_DELAY: '50' })).toBeNull();
    expect(tracingSettings({ OTEL_TRACES_EXPORTER: ' ' })).toBeNull();
  });

  it('stays off when OTEL_SDK_DISABLED is true or the exporter is none', () => {
    expect(tracingSettings({ ...ENDPOINT, OTEL_SDK_DISABLED: 'true' })).toBeNull();
    expect(tracingSettings({ ...ENDPOINT, OTEL_SDK_DISABLED: 'TRUE', OTEL_TRACES_EXPORTER: 'otlp' })).toBeNull();
    expect(tracingSettings({ ...ENDPOINT, OTEL_TRACES_EXPORTER: 'none' })).toBeNull();
  });

  it('turns on with an endpoint, taking the specification’s defaults: otlp over http/protobuf, W3C trace context and baggage', () => {
    const defaults = { exporters: ['otlp'], protocol: 'http/protobuf', propagators: ['tracecontext', 'baggage'] };
    expect(tracingSettings(ENDPOINT)).toEqual(defaults);
    expect(tracingSettings({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://collector:4318/v1/traces' })).toEqual(defaults);
    expect(tracingSettings({ ...ENDPOINT, OTEL_SDK_DISABLED: 'false' })).toEqual(defaults);
  });

  it('reads the exporters, the protocol (the traces-only variable first) and the propagators', () => {
    expect(
      tracingSettings({
        OTEL_TRACES_EXPORTER: 'console, otlp',
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
        OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http/json',
        OTEL_PROPAGATORS: 'tracecontext',
      }),
    ).toEqual({ exporters: ['console', 'otlp'], protocol: 'http/json', propagators: ['tracecontext'] });
    expect(tracingSettings({ ...ENDPOINT, OTEL_PROPAGATORS: 'none' })?.propagators).toEqual([]);
  });

  it('refuses what taskql does not support, naming the variable', () => {
    expect(() => tracingSettings({ ...ENDPOINT, OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' })).toThrow(
      'OTEL_EXPORTER_OTLP_PROTOCOL: grpc is not supported; use http/protobuf or http/json',
    );
    expect(() => tracingSettings({ OTEL_TRACES_EXPORTER: 'zipkin' })).toThrow('OTEL_TRACES_EXPORTER: zipkin is not supported');
    expect(() => tracingSettings({ ...ENDPOINT, OTEL_PROPAGATORS: 'tracecontext,b3' })).toThrow('OTEL_PROPAGATORS: b3 is not supported');
  });
});

describe('a process without tracing', () => {
  it('registers no SDK: spans are the API’s no-op ones and jobs carry no trace context, even inside a caller’s traceparent', async () => {
    const tracing = await startTracing('taskql-test', createLogger('silent', 'test'), {});
    expect(tracing.enabled).toBe(false);
    await tracing.close();

    const headers = { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01', tracestate: 'caller=7' };
    withIncomingTrace(headers, () => {
      const span = trace.getTracer('test').startSpan('anything');
      expect(span.isRecording()).toBe(false);
      expect(trace.getSpan(context.active())).toBeUndefined();
      expect(activeTraceCarrier()).toBeUndefined();
      span.end();
    });
    expect(propagation.fields()).toEqual([]);

    const attempt = new AttemptTrace(undefined);
    attempt.begin({ id: 't1', type: 'echo', queue: 'default', attempt: 1 }, 'w1');
    await expect(attempt.run(async () => 42)).resolves.toBe(42);
    attempt.ended('failed', { name: 'Error', message: 'no', stack: null });
  });
});
