/**
 * Starting OpenTelemetry tracing in a taskql process, from the standard `OTEL_*` environment
 * (docs/tracing.md). Tracing is on only when the environment asks for an exporter; otherwise no
 * SDK module is even loaded, and the spans taskql makes are `@opentelemetry/api`'s no-op ones.
 *
 * The SDK is put together from `@opentelemetry/sdk-trace-node` and the OTLP/HTTP exporters
 * rather than `@opentelemetry/sdk-node`, which would bring metrics, logs, gRPC and instrumentation
 * packages taskql does not use. What sdk-node would read from the environment and these packages
 * do not — which exporters and propagators to use, and `OTEL_SDK_DISABLED` — is read here; the
 * exporters read their endpoint, headers, timeout and compression, the provider its sampler and
 * limits, the batch processor its `OTEL_BSP_*` and the resource detector `OTEL_SERVICE_NAME` and
 * `OTEL_RESOURCE_ATTRIBUTES` themselves.
 */
import { diag, DiagLogLevel, type TextMapPropagator } from '@opentelemetry/api';
import type { SpanExporter, SpanProcessor } from '@opentelemetry/sdk-trace-node';
import type { Logger } from '../logger.ts';

/** The exporters `OTEL_TRACES_EXPORTER` may name (besides `none`). */
export const TRACE_EXPORTERS = ['otlp', 'console'] as const;
export type TraceExporterName = (typeof TRACE_EXPORTERS)[number];

/** The OTLP protocols taskql can send (`OTEL_EXPORTER_OTLP_PROTOCOL`); `grpc` is not among them. */
export const OTLP_PROTOCOLS = ['http/protobuf', 'http/json'] as const;
export type OtlpProtocol = (typeof OTLP_PROTOCOLS)[number];

/** The propagators `OTEL_PROPAGATORS` may name (besides `none`). */
export const PROPAGATORS = ['tracecontext', 'baggage'] as const;
export type PropagatorName = (typeof PROPAGATORS)[number];

/** What the environment asks of tracing, when it asks for any. */
export interface TracingSettings {
  exporters: TraceExporterName[];
  /** How OTLP spans are sent (only used when `exporters` has `otlp`). */
  protocol: OtlpProtocol;
  /** Which headers carry a trace in and out (an empty list: none). */
  propagators: PropagatorName[];
}

/** The environment variables that can turn tracing on, each enough by itself. */
const TURNED_ON_BY = ['OTEL_TRACES_EXPORTER', 'OTEL_EXPORTER_OTLP_ENDPOINT', 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT'] as const;

/**
 * What `env` asks of tracing, or null when tracing stays off: when `OTEL_SDK_DISABLED` is true,
 * `OTEL_TRACES_EXPORTER` is `none`, or none of `OTEL_TRACES_EXPORTER`,
 * `OTEL_EXPORTER_OTLP_ENDPOINT` and `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` is set. (The
 * specification's default exporter is `otlp` to localhost; taskql does not send spans to a
 * collector nobody configured.) Throws on a value taskql does not support, naming the variable.
 */
export function tracingSettings(env: Readonly<Record<string, string | undefined>>): TracingSettings | null {
  const value = (name: string) => env[name]?.trim() || undefined;
  if (value('OTEL_SDK_DISABLED')?.toLowerCase() === 'true') return null;
  if (!TURNED_ON_BY.some((name) => value(name))) return null;

  const exporters = listOf('OTEL_TRACES_EXPORTER', value('OTEL_TRACES_EXPORTER') ?? 'otlp', TRACE_EXPORTERS);
  if (exporters.length === 0) return null;
  const protocolVariable = value('OTEL_EXPORTER_OTLP_TRACES_PROTOCOL') ? 'OTEL_EXPORTER_OTLP_TRACES_PROTOCOL' : 'OTEL_EXPORTER_OTLP_PROTOCOL';
  const protocol = value(protocolVariable) ?? 'http/protobuf';
  if (!isOneOf(protocol, OTLP_PROTOCOLS)) throw new Error(`${protocolVariable}: ${protocol} is not supported; use ${OTLP_PROTOCOLS.join(' or ')}`);
  const propagators = listOf('OTEL_PROPAGATORS', value('OTEL_PROPAGATORS') ?? 'tracecontext,baggage', PROPAGATORS);
  return { exporters, protocol, propagators };
}

/** The comma-separated `raw` of variable `name` as names from `allowed`; `none` stands for no name. */
function listOf<T extends string>(name: string, raw: string, allowed: readonly T[]): T[] {
  const names = raw
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part !== '');
  if (names.includes('none')) return [];
  const unknown = names.filter((part) => !isOneOf(part, allowed));
  if (unknown.length > 0) throw new Error(`${name}: ${unknown.join(', ')} is not supported; use ${[...allowed, 'none'].join(', ')}`);
  return [...new Set(names)] as T[];
}

function isOneOf<T extends string>(value: string, allowed: readonly T[]): value is T {
  return (allowed as readonly string[]).includes(value);
}

/** Tracing as started in this process. */
export interface Tracing {
  /** Whether spans are recorded and exported. */
  enabled: boolean;
  /** Export what is still buffered and stop (a no-op when tracing is off). */
  close(): Promise<void>;
}

/**
 * Start tracing as `env` asks (see {@link tracingSettings}), registering the SDK as the global
 * tracer provider, context manager and propagator of `@opentelemetry/api`.
 *
 * @param serviceName the `service.name` unless `OTEL_SERVICE_NAME` says otherwise
 * @param logger receives the SDK's own warnings and errors (a collector that cannot be reached)
 */
export async function startTracing(serviceName: string, logger: Logger, env: Readonly<Record<string, string | undefined>> = process.env): Promise<Tracing> {
  const settings = tracingSettings(env);
  if (!settings) return { enabled: false, close: async () => {} };

  // Loaded only now: a process that does not trace never loads the SDK.
  const [{ NodeTracerProvider, BatchSpanProcessor, ConsoleSpanExporter }, resources, { ATTR_SERVICE_NAME }] = await Promise.all([
    import('@opentelemetry/sdk-trace-node'),
    import('@opentelemetry/resources'),
    import('@opentelemetry/semantic-conventions'),
  ]);
  const sdkLogger = logger.child({ component: 'opentelemetry' });
  diag.setLogger(
    {
      error: (message, ...args) => sdkLogger.error({ args }, message),
      warn: (message, ...args) => sdkLogger.warn({ args }, message),
      info: (message, ...args) => sdkLogger.info({ args }, message),
      debug: (message, ...args) => sdkLogger.debug({ args }, message),
      verbose: (message, ...args) => sdkLogger.trace({ args }, message),
    },
    { logLevel: DiagLogLevel.WARN, suppressOverrideMessage: true },
  );

  const processors: SpanProcessor[] = await Promise.all(
    settings.exporters.map(async (name) => new BatchSpanProcessor(name === 'console' ? new ConsoleSpanExporter() : await otlpExporter(settings.protocol))),
  );
  const resource = resources
    .defaultResource()
    .merge(resources.resourceFromAttributes({ [ATTR_SERVICE_NAME]: serviceName }))
    .merge(resources.detectResources({ detectors: [resources.hostDetector, resources.processDetector, resources.envDetector] }));
  await resource.waitForAsyncAttributes?.();
  const provider = new NodeTracerProvider({ resource, spanProcessors: processors });
  provider.register({ propagator: await propagator(settings.propagators) });
  logger.info(
    { exporters: settings.exporters, protocol: settings.protocol, propagators: settings.propagators, service: resource.attributes[ATTR_SERVICE_NAME] },
    'tracing on',
  );
  return { enabled: true, close: () => provider.shutdown() };
}

async function otlpExporter(protocol: OtlpProtocol): Promise<SpanExporter> {
  // Each reads OTEL_EXPORTER_OTLP_(TRACES_)ENDPOINT, _HEADERS, _TIMEOUT and _COMPRESSION itself.
  if (protocol === 'http/json') return new (await import('@opentelemetry/exporter-trace-otlp-http')).OTLPTraceExporter();
  return new (await import('@opentelemetry/exporter-trace-otlp-proto')).OTLPTraceExporter();
}

async function propagator(names: readonly PropagatorName[]): Promise<TextMapPropagator> {
  const { CompositePropagator, W3CBaggagePropagator, W3CTraceContextPropagator } = await import('@opentelemetry/core');
  return new CompositePropagator({
    propagators: names.map((name) => (name === 'tracecontext' ? new W3CTraceContextPropagator() : new W3CBaggagePropagator())),
  });
}
