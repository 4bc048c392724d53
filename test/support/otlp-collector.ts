/**
 * A small OpenTelemetry collector for tests: an HTTP server taking OTLP/HTTP at `/v1/traces`, as
 * a real collector does. JSON requests (`OTEL_EXPORTER_OTLP_PROTOCOL=http/json`) are decoded and
 * every span kept, flattened, for the test to look at; protobuf requests are kept as they came.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** An OTLP attribute value as the JSON encoding writes it. */
interface AnyValue {
  stringValue?: string;
  intValue?: number | string;
  boolValue?: boolean;
  doubleValue?: number;
}

interface KeyValue {
  key: string;
  value: AnyValue;
}

/** The part of an OTLP/JSON `ExportTraceServiceRequest` the tests read. */
interface ExportRequest {
  resourceSpans?: {
    resource?: { attributes?: KeyValue[] };
    scopeSpans?: {
      spans?: {
        traceId: string;
        spanId: string;
        parentSpanId?: string;
        traceState?: string;
        name: string;
        kind: number;
        attributes?: KeyValue[];
        status?: { code?: number; message?: string };
        events?: { name: string; attributes?: KeyValue[] }[];
      }[];
    }[];
  }[];
}

/** A received span, with its attributes as plain values and its process's `service.name`. */
export interface CollectedSpan {
  service: string;
  traceId: string;
  spanId: string;
  /** Empty for a root span. */
  parentSpanId: string;
  traceState: string;
  name: string;
  /** OTLP's numbering: 1 internal, 2 server, 3 client, 4 producer, 5 consumer. */
  kind: number;
  attributes: Record<string, string | number | boolean>;
  /** 0 unset, 1 ok, 2 error. */
  status: { code: number; message: string };
  /** The names of its events (`exception`, …). */
  events: string[];
}

/** A running collector. */
export interface OtlpCollector {
  /** What `OTEL_EXPORTER_OTLP_ENDPOINT` should say. */
  endpoint: string;
  /** Every span received so far, in order of receipt. */
  spans: CollectedSpan[];
  /** How many export requests arrived. */
  requests: number;
  /** The bodies of the protobuf requests (`application/x-protobuf`). */
  protobufBodies: Buffer[];
  close(): Promise<void>;
}

/** Start a collector on a free port of 127.0.0.1. */
export async function startOtlpCollector(): Promise<OtlpCollector> {
  const collector: Omit<OtlpCollector, 'endpoint' | 'close'> = { spans: [], requests: 0, protobufBodies: [] };
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const type = request.headers['content-type'] ?? '';
      const json = type.startsWith('application/json');
      if (request.method !== 'POST' || request.url !== '/v1/traces' || !(json || type.startsWith('application/x-protobuf'))) {
        response.writeHead(415).end();
        return;
      }
      collector.requests++;
      const body = Buffer.concat(chunks);
      if (json) collector.spans.push(...flatten(JSON.parse(body.toString('utf8')) as ExportRequest));
      else collector.protobufBodies.push(body);
      // An empty ExportTraceServiceResponse, in the request's encoding.
      response.writeHead(200, { 'content-type': json ? 'application/json' : 'application/x-protobuf' }).end(json ? '{}' : '');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return Object.assign(collector, {
    endpoint: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  });
}

function flatten(request: ExportRequest): CollectedSpan[] {
  return (request.resourceSpans ?? []).flatMap(({ resource, scopeSpans }) => {
    const service = String(values(resource?.attributes)['service.name'] ?? '');
    return (scopeSpans ?? []).flatMap(({ spans }) =>
      (spans ?? []).map((span) => ({
        service,
        traceId: span.traceId,
        spanId: span.spanId,
        parentSpanId: span.parentSpanId ?? '',
        traceState: span.traceState ?? '',
        name: span.name,
        kind: span.kind,
        attributes: values(span.attributes),
        status: { code: span.status?.code ?? 0, message: span.status?.message ?? '' },
        events: (span.events ?? []).map((event) => event.name),
      })),
    );
  });
}

function values(attributes: KeyValue[] | undefined): Record<string, string | number | boolean> {
  return Object.fromEntries(
    (attributes ?? []).map(({ key, value }) => [
      key,
      value.stringValue ?? (value.intValue !== undefined ? Number(value.intValue) : undefined) ?? value.boolValue ?? value.doubleValue ?? '',
    ]),
  );
}
