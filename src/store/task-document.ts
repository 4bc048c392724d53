/**
 * How a task is laid out in MongoDB. Client payloads (`input`, `result`, progress `data`) are
 * stored as JSON text: they are opaque to the store, and as BSON they would have to obey rules
 * that JSON does not (no `$`-prefixed or dotted keys; FerretDB also refuses nested arrays), so a
 * valid client payload could fail to store.
 */
import type { Task, TaskEvent, TaskProgress } from '../model/task.ts';

/** A stored progress report. */
export interface ProgressDocument extends Omit<TaskProgress, 'data'> {
  data: string;
}

/** A stored event. */
export interface EventDocument extends Omit<TaskEvent, 'progress'> {
  progress: ProgressDocument | null;
}

/** A stored task: the task's fields with `_id` for `id`, plus its event log. */
export interface TaskDocument
  extends Omit<Task, 'id' | 'input' | 'result' | 'progress' | 'pendingProgressEvent'> {
  _id: string;
  input: string;
  result: string;
  progress: ProgressDocument | null;
  pendingProgressEvent: EventDocument | null;
  /** The log, in version order (see `Task.pendingProgressEvent` for the newest PROGRESS event). */
  events: EventDocument[];
  /**
   * What makes a task unique under its unique index: owner, type and idempotency key when it has one,
   * else its own id. (A partial unique index would say "only where a key is set" directly, but
   * FerretDB does not support partial indexes.)
   */
  dedupeKey: string;
}

/** The `dedupeKey` of a task with idempotency key `key` (see `TaskDocument.dedupeKey`). */
export function dedupeKeyOf(task: Pick<Task, 'id' | 'type' | 'idempotencyKey' | 'owner'>): string {
  // JSON, so that no owner, type or key can make another's key by containing a separator.
  return task.idempotencyKey === null ? `id:${task.id}` : `key:${JSON.stringify([task.owner, task.type, task.idempotencyKey])}`;
}

const encodeJson = (value: unknown): string => JSON.stringify(value ?? null);
const decodeJson = (text: string): unknown => JSON.parse(text);

function encodeProgress(progress: TaskProgress | null): ProgressDocument | null {
  return progress && { ...progress, data: encodeJson(progress.data) };
}

function decodeProgress(progress: ProgressDocument | null): TaskProgress | null {
  return progress && { ...progress, data: decodeJson(progress.data) };
}

/** An event as stored. */
export function encodeEvent(event: TaskEvent): EventDocument {
  return { ...event, progress: encodeProgress(event.progress) };
}

/** An event as read back. */
export function decodeEvent(doc: EventDocument): TaskEvent {
  return { ...doc, progress: decodeProgress(doc.progress) };
}

type Encoded = Omit<TaskDocument, '_id' | 'events' | 'dedupeKey'>;

/** Encoders of the fields whose stored form differs; every other field is stored as it is. */
const fieldEncoders: { [K in keyof Task]?: (value: Task[K]) => Encoded[K & keyof Encoded] } = {
  input: encodeJson,
  result: encodeJson,
  progress: encodeProgress,
  pendingProgressEvent: (event) => event && encodeEvent(event),
};

function encodeField<K extends keyof Encoded & keyof Task>(key: K, value: Task[K]): unknown {
  const encode = fieldEncoders[key] as ((v: Task[K]) => unknown) | undefined;
  return encode ? encode(value) : value;
}

/** A new task's document with its first logged events. */
export function encodeTask(task: Task, events: TaskEvent[]): TaskDocument {
  const { id, ...fields } = task;
  const doc: Record<string, unknown> = { _id: id, dedupeKey: dedupeKeyOf(task), events: events.map(encodeEvent) };
  for (const [key, value] of Object.entries(fields)) {
    doc[key] = encodeField(key as keyof Encoded, value as never);
  }
  return doc as unknown as TaskDocument;
}

/** A task read back (its event log, when it was read too, is left out). */
export function decodeTask(doc: Omit<TaskDocument, 'events' | 'dedupeKey'> & { events?: unknown; dedupeKey?: unknown }): Task {
  const { _id, events: _events, dedupeKey: _key, input, result, progress, pendingProgressEvent, ...rest } = doc;
  return {
    ...rest,
    id: _id,
    input: decodeJson(input),
    result: decodeJson(result),
    progress: decodeProgress(progress),
    pendingProgressEvent: pendingProgressEvent && decodeEvent(pendingProgressEvent),
  };
}

/**
 * The `$set` that turns `prev` into `next`: the fields whose value changed. Transitions keep
 * unchanged fields as the same value, so a reference comparison finds exactly the changed ones
 * and a 256 KiB input is not rewritten with every progress report.
 */
export function changedFields(prev: Task, next: Task): Record<string, unknown> {
  const set: Record<string, unknown> = {};
  for (const key of Object.keys(next) as (keyof Task)[]) {
    if (key !== 'id' && next[key] !== prev[key]) set[key] = encodeField(key, next[key]);
  }
  return set;
}
