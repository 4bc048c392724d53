/**
 * A task and its events in the binary form that MongoDB documents and event-bus messages share:
 * BSON, with the client payloads (`input`, `result`, progress `data`) as JSON text. The payloads
 * are opaque to taskql, and as BSON they would have to obey rules that JSON does not (no
 * `$`-prefixed or dotted keys in stored documents, no NUL in keys; FerretDB also refuses nested
 * arrays), so a valid client payload could fail to store or to publish. Every other field is
 * carried as it is, Dates included.
 */
import type { Task, TaskEvent, TaskProgress } from './task.ts';

/** A progress report with its `data` as JSON text. */
export interface EncodedProgress extends Omit<TaskProgress, 'data'> {
  data: string;
}

/** An event with its progress encoded. */
export interface EncodedEvent extends Omit<TaskEvent, 'progress'> {
  progress: EncodedProgress | null;
}

/** A task with its payloads as JSON text. */
export interface EncodedTask extends Omit<Task, 'input' | 'result' | 'metadata' | 'progress' | 'pendingProgressEvent'> {
  input: string;
  result: string;
  metadata: string;
  progress: EncodedProgress | null;
  pendingProgressEvent: EncodedEvent | null;
}

/** A client payload as JSON text. */
export const encodeJson = (value: unknown): string => JSON.stringify(value ?? null);
/** A client payload from its JSON text. */
export const decodeJson = (text: string): unknown => JSON.parse(text);

function encodeProgress(progress: TaskProgress | null): EncodedProgress | null {
  return progress && { ...progress, data: encodeJson(progress.data) };
}

function decodeProgress(progress: EncodedProgress | null): TaskProgress | null {
  return progress && { ...progress, data: decodeJson(progress.data) };
}

/** An event, encoded. */
export function encodeEvent(event: TaskEvent): EncodedEvent {
  return { ...event, progress: encodeProgress(event.progress) };
}

/** An event, decoded. */
export function decodeEvent(encoded: EncodedEvent): TaskEvent {
  return { ...encoded, progress: decodeProgress(encoded.progress) };
}

/** Encoders of the fields whose encoded form differs; every other field is carried as it is. */
const fieldEncoders: { [K in keyof Task]?: (value: Task[K]) => EncodedTask[K & keyof EncodedTask] } = {
  input: encodeJson,
  result: encodeJson,
  metadata: encodeJson,
  progress: encodeProgress,
  pendingProgressEvent: (event) => event && encodeEvent(event),
};

/** One field of a task, encoded (for updates that set only the fields that changed). */
export function encodeTaskField<K extends keyof Task>(key: K, value: Task[K]): unknown {
  const encode = fieldEncoders[key] as ((v: Task[K]) => unknown) | undefined;
  return encode ? encode(value) : value;
}

/**
 * Each task's encoding, made once: a new task is encoded for its document, for its job and for its
 * CREATED message, and a task never changes (a transition makes a new one), so neither does its
 * encoding. Callers read an encoding and never change it.
 */
const encodings = new WeakMap<Task, EncodedTask>();

/** A task, encoded. */
export function encodeTask(task: Task): EncodedTask {
  let encoded = encodings.get(task);
  if (!encoded) {
    encoded = encodeFields(task);
    encodings.set(task, encoded);
  }
  return encoded;
}

/** Every field of `t`, encoded as {@link fieldEncoders} says; named, as {@link decodeTask} names them, for the same reason. */
function encodeFields(t: Task): EncodedTask {
  return {
    id: t.id,
    type: t.type,
    queue: t.queue,
    state: t.state,
    input: encodeJson(t.input),
    result: encodeJson(t.result),
    error: t.error,
    progress: encodeProgress(t.progress),
    attempt: t.attempt,
    maxAttempts: t.maxAttempts,
    seriesStart: t.seriesStart,
    attempts: t.attempts,
    priority: t.priority,
    tags: t.tags,
    idempotencyKey: t.idempotencyKey,
    owner: t.owner,
    version: t.version,
    createdAt: t.createdAt,
    runAt: t.runAt,
    startedAt: t.startedAt,
    finishedAt: t.finishedAt,
    updatedAt: t.updatedAt,
    expiresAt: t.expiresAt,
    resultTtlSeconds: t.resultTtlSeconds,
    scheduleId: t.scheduleId,
    metadata: encodeJson(t.metadata),
    deferrals: t.deferrals,
    deferredUntil: t.deferredUntil,
    concurrencyKey: t.concurrencyKey,
    rateLimitKey: t.rateLimitKey,
    pendingProgressEvent: t.pendingProgressEvent && encodeEvent(t.pendingProgressEvent),
    flowId: t.flowId,
    ref: t.ref,
    dependsOn: t.dependsOn,
    dependents: t.dependents,
    onDependencyFailure: t.onDependencyFailure,
    parentId: t.parentId,
    childIndex: t.childIndex,
    failParentOnChildFailure: t.failParentOnChildFailure,
    waitingForChildren: t.waitingForChildren,
  };
}

/**
 * A task, decoded. Every field is named rather than spread: V8 (Node 20) takes a slow path for
 * each property added to an object made by a spread, and every read and every bus message a
 * process watches decodes a task. Fields of `encoded` that a task has not are left out.
 *
 * @param id the task's id, when `encoded` keeps it under another name (a document's `_id`)
 */
export function decodeTask(encoded: Omit<EncodedTask, 'id'>, id: string = (encoded as EncodedTask).id): Task {
  const e = encoded;
  return {
    id,
    type: e.type,
    queue: e.queue,
    state: e.state,
    input: decodeJson(e.input),
    result: decodeJson(e.result),
    error: e.error,
    progress: decodeProgress(e.progress),
    attempt: e.attempt,
    maxAttempts: e.maxAttempts,
    seriesStart: e.seriesStart,
    attempts: e.attempts,
    priority: e.priority,
    tags: e.tags,
    idempotencyKey: e.idempotencyKey,
    owner: e.owner,
    version: e.version,
    createdAt: e.createdAt,
    runAt: e.runAt,
    startedAt: e.startedAt,
    finishedAt: e.finishedAt,
    updatedAt: e.updatedAt,
    expiresAt: e.expiresAt,
    resultTtlSeconds: e.resultTtlSeconds,
    scheduleId: e.scheduleId,
    // Tasks stored before metadata existed have none.
    metadata: e.metadata === undefined ? {} : (decodeJson(e.metadata) as Record<string, unknown>),
    deferrals: e.deferrals,
    deferredUntil: e.deferredUntil,
    // Tasks stored before flow control existed have no keys.
    concurrencyKey: e.concurrencyKey ?? null,
    rateLimitKey: e.rateLimitKey ?? null,
    pendingProgressEvent: e.pendingProgressEvent && decodeEvent(e.pendingProgressEvent),
    // Tasks stored before flows existed belong to none.
    flowId: e.flowId ?? null,
    ref: e.ref ?? null,
    dependsOn: e.dependsOn ?? [],
    // Tasks stored before dependents were kept name none: the flow reconciler releases theirs.
    dependents: e.dependents ?? [],
    onDependencyFailure: e.onDependencyFailure ?? 'FAIL',
    // Tasks stored before children existed have no parent and wait for no children.
    parentId: e.parentId ?? null,
    childIndex: e.childIndex ?? null,
    failParentOnChildFailure: e.failParentOnChildFailure ?? false,
    waitingForChildren: e.waitingForChildren ?? false,
  };
}
