/**
 * How a task is laid out in MongoDB: its encoded fields (client payloads as JSON text, see
 * `model/task-codec.ts`) under `_id` for `id`, its event log, and the key its unique index holds.
 */
import { decodeTask as decodeFields, encodeTask as encodeFields, encodeEvent, encodeTaskField, type EncodedEvent, type EncodedTask } from '../model/task-codec.ts';
import type { Task, TaskEvent } from '../model/task.ts';

/** A stored event. */
export type EventDocument = EncodedEvent;

/** A stored task: the task's fields with `_id` for `id`, plus its event log. */
export interface TaskDocument extends Omit<EncodedTask, 'id'> {
  _id: string;
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

export { decodeEvent, encodeEvent } from '../model/task-codec.ts';

/** A new task's document with its first logged events. */
export function encodeTask(task: Task, events: TaskEvent[]): TaskDocument {
  const { id, ...fields } = encodeFields(task);
  return { _id: id, dedupeKey: dedupeKeyOf(task), events: events.map(encodeEvent), ...fields };
}

/** A task read back (its event log, when it was read too, is left out). */
export function decodeTask(doc: Omit<TaskDocument, 'events' | 'dedupeKey'> & { events?: unknown; dedupeKey?: unknown }): Task {
  return decodeFields(doc, doc._id);
}

/**
 * The `$set` that turns `prev` into `next`: the fields whose value changed. Transitions keep
 * unchanged fields as the same value, so a reference comparison finds exactly the changed ones
 * and a 256 KiB input is not rewritten with every progress report.
 */
export function changedFields(prev: Task, next: Task): Record<string, unknown> {
  const set: Record<string, unknown> = {};
  for (const key of Object.keys(next) as (keyof Task)[]) {
    if (key !== 'id' && next[key] !== prev[key]) set[key] = encodeTaskField(key, next[key]);
  }
  return set;
}
