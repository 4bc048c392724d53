/**
 * The spans taskql makes, through `@opentelemetry/api` only: an `enqueue` span in the API (a
 * child of the caller's span when its request carried a `traceparent`), the trace context each
 * job carries from there, and an `attempt` span per attempt in the worker, a child of the span
 * that queued the job. A retried attempt, and one another worker takes over after a stall, run
 * the same job and so join the same trace.
 *
 * While tracing is off (see `setup.ts`) these are the API's no-op spans and propagators: nothing
 * is recorded, nothing is added to a job.
 */
import { context, propagation, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Attributes, type Context, type Span } from '@opentelemetry/api';

/** The attribute names of taskql's spans. */
export const TASK_ATTRIBUTES = {
  id: 'taskql.task.id',
  type: 'taskql.task.type',
  queue: 'taskql.task.queue',
  attempt: 'taskql.task.attempt',
  /** How an attempt ended: one of {@link AttemptSpanOutcome}. */
  outcome: 'taskql.task.outcome',
  /** On an `enqueue` span: the task existed already (same idempotency key). */
  deduplicated: 'taskql.task.deduplicated',
  /** On an `enqueue` span of `enqueueTasks`: how many tasks the call enqueued. */
  count: 'taskql.task.count',
  workerId: 'taskql.worker.id',
} as const;

/** How an attempt ended, as its span says. */
export type AttemptSpanOutcome = 'succeeded' | 'failed' | 'retrying' | 'cancelled' | 'deferred' | 'handed_back' | 'waiting_for_children';

/**
 * A trace context as text headers (`traceparent`, `tracestate`, `baggage`), the way a job keeps
 * it. Absent when there was nothing to carry.
 */
export type TraceCarrier = Record<string, string>;

const tracer = trace.getTracer('taskql');

/** The active trace context as headers to store with a job, or undefined when there is none. */
export function activeTraceCarrier(): TraceCarrier | undefined {
  const carrier: TraceCarrier = {};
  propagation.inject(context.active(), carrier);
  return Object.keys(carrier).length > 0 ? carrier : undefined;
}

/** Run `handle` in the trace context of an incoming request's `headers` (`traceparent`, `tracestate`, …). */
export function withIncomingTrace<T>(headers: Record<string, string | string[] | undefined>, handle: () => T): T {
  return context.with(propagation.extract(ROOT_CONTEXT, headers), handle);
}

/** What an enqueue returned, as far as its span tells. */
interface EnqueuedTask {
  task: { id: string; type: string; queue: string };
  deduplicated: boolean;
}

/** Run one enqueue in an `enqueue <type>` span, so the job it queues carries that span as parent. */
export function traceEnqueue<T extends EnqueuedTask>(enqueue: () => Promise<T>): Promise<T> {
  return inSpan('enqueue', SpanKind.PRODUCER, enqueue, (span, { task, deduplicated }) => {
    // Named only once the type is known to exist: a span name must not take any string a client sends.
    span.updateName(`enqueue ${task.type}`);
    span.setAttributes({ ...taskAttributes(task), [TASK_ATTRIBUTES.deduplicated]: deduplicated });
  });
}

/** Run a batch enqueue (`enqueueTasks`) in one `enqueue batch` span. */
export function traceEnqueueBatch<T extends EnqueuedTask>(enqueue: () => Promise<T[]>): Promise<T[]> {
  return inSpan('enqueue batch', SpanKind.PRODUCER, enqueue, (span, enqueued) => {
    span.setAttribute(TASK_ATTRIBUTES.count, enqueued.length);
  });
}

async function inSpan<T>(name: string, kind: SpanKind, run: () => Promise<T>, describe: (span: Span, result: T) => void): Promise<T> {
  return tracer.startActiveSpan(name, { kind }, async (span) => {
    try {
      const result = await run();
      if (span.isRecording()) describe(span, result);
      return result;
    } catch (error) {
      failSpan(span, error instanceof Error ? error : { name: 'Error', message: String(error) });
      throw error;
    } finally {
      span.end();
    }
  });
}

/** The task fields an attempt span records. */
export interface TracedAttempt {
  id: string;
  type: string;
  queue: string;
  attempt: number;
}

/** An error as a span records it. */
interface SpanError {
  name: string;
  message: string;
  stack?: string | null;
}

/**
 * The span of one attempt: made for a job (continuing the trace the job carries), begun once the
 * attempt is recorded as started, ended with its outcome. Jobs that start no attempt (the task
 * ended already, or stalled too often) make no span.
 */
export class AttemptTrace {
  readonly #parent: Context;
  #span: Span | null = null;

  /** @param carrier the trace context the job carries, if any */
  constructor(carrier: TraceCarrier | undefined) {
    this.#parent = carrier ? propagation.extract(ROOT_CONTEXT, carrier) : ROOT_CONTEXT;
  }

  /** The attempt has started on worker `workerId`: its span begins. */
  begin(attempt: TracedAttempt, workerId: string): void {
    this.#span = tracer.startSpan(
      `attempt ${attempt.type}`,
      { kind: SpanKind.CONSUMER, attributes: { ...taskAttributes(attempt), [TASK_ATTRIBUTES.attempt]: attempt.attempt, [TASK_ATTRIBUTES.workerId]: workerId } },
      this.#parent,
    );
  }

  /** Run the handler within the attempt's span, so spans it makes (its HTTP calls…) are children. */
  run<T>(handler: () => Promise<T>): Promise<T> {
    return this.#span ? context.with(trace.setSpan(this.#parent, this.#span), handler) : handler();
  }

  /** The attempt ended with `outcome`; a failed or retrying one gives its error, and the span the error status. */
  ended(outcome: AttemptSpanOutcome, error?: SpanError | null): void {
    const span = this.#take();
    if (!span) return;
    span.setAttribute(TASK_ATTRIBUTES.outcome, outcome);
    if (error) failSpan(span, error);
    else if (outcome === 'succeeded') span.setStatus({ code: SpanStatusCode.OK });
    span.end();
  }

  /** Recording the attempt failed (MongoDB or Redis): the span, if still open, ends with the error. */
  interrupted(error: unknown): void {
    const span = this.#take();
    if (!span) return;
    failSpan(span, error instanceof Error ? error : { name: 'Error', message: String(error) });
    span.end();
  }

  #take(): Span | null {
    const span = this.#span;
    this.#span = null;
    return span;
  }
}

function taskAttributes(task: Omit<TracedAttempt, 'attempt'>): Attributes {
  return { [TASK_ATTRIBUTES.id]: task.id, [TASK_ATTRIBUTES.type]: task.type, [TASK_ATTRIBUTES.queue]: task.queue };
}

function failSpan(span: Span, error: SpanError): void {
  span.recordException({ name: error.name, message: error.message, ...(error.stack ? { stack: error.stack } : {}) });
  span.setStatus({ code: SpanStatusCode.ERROR, message: `${error.name}: ${error.message}` });
}
