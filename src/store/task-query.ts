/**
 * Lists of tasks as MongoDB queries: the filter, the order, keyset cursors, and the indexes that
 * serve them. Pure, so the shapes can be checked without a server.
 *
 * Pagination is by keyset (the order's field, then `_id`), not by offset: tasks added while a
 * client pages through a list do not shift the pages it has yet to read.
 */
import type { Filter, IndexDescription, Sort } from 'mongodb';
import { InvalidInputError } from '../errors.ts';
import type { TaskFilter } from '../model/task-filter.ts';
import type { Task } from '../model/task.ts';
import type { TaskDocument } from './task-document.ts';

/** The orders of the contract. */
export const TASK_ORDERS = ['CREATED_AT_DESC', 'CREATED_AT_ASC', 'UPDATED_AT_DESC'] as const;
export type TaskOrder = (typeof TASK_ORDERS)[number];

interface OrderSpec {
  field: 'createdAt' | 'updatedAt';
  direction: 1 | -1;
}

const ORDERS: Record<TaskOrder, OrderSpec> = {
  CREATED_AT_DESC: { field: 'createdAt', direction: -1 },
  CREATED_AT_ASC: { field: 'createdAt', direction: 1 },
  UPDATED_AT_DESC: { field: 'updatedAt', direction: -1 },
};

/** Where a page starts: after the task with this order value and id. */
export interface Cursor {
  value: Date;
  id: string;
}

/**
 * The indexes lists rely on: one per filterable field, each followed by creation time (the
 * default order) and `_id` (the keyset's tie-break); and one per order for unfiltered lists.
 */
export const LIST_INDEXES: IndexDescription[] = [
  // A caller sees only its own tasks: most lists are one owner's.
  { key: { owner: 1, createdAt: -1, _id: -1 }, name: 'owner_createdAt' },
  { key: { createdAt: -1, _id: -1 }, name: 'createdAt' },
  { key: { updatedAt: -1, _id: -1 }, name: 'updatedAt' },
  { key: { state: 1, createdAt: -1, _id: -1 }, name: 'state_createdAt' },
  { key: { type: 1, createdAt: -1, _id: -1 }, name: 'type_createdAt' },
  { key: { queue: 1, createdAt: -1, _id: -1 }, name: 'queue_createdAt' },
  { key: { tags: 1, createdAt: -1, _id: -1 }, name: 'tags_createdAt' },
  { key: { scheduleId: 1, createdAt: -1, _id: -1 }, name: 'scheduleId_createdAt' },
];

/** The query of the tasks `filter` selects that have not expired at `now`. */
export function filterQuery(filter: TaskFilter, now: Date): Filter<TaskDocument> {
  const parts: Filter<TaskDocument>[] = [{ $or: [{ expiresAt: null }, { expiresAt: { $gt: now } }] }];
  if (filter.owner != null) parts.push({ owner: filter.owner });
  if (filter.ids != null) parts.push({ _id: { $in: [...filter.ids] } });
  if (filter.states?.length) parts.push({ $or: filter.states.map((state) => stateQuery(state, now)) });
  if (filter.types?.length) parts.push({ type: { $in: [...filter.types] } });
  if (filter.queues?.length) parts.push({ queue: { $in: [...filter.queues] } });
  if (filter.tags?.length) parts.push({ tags: { $all: [...filter.tags] } });
  if (filter.createdAfter) parts.push({ createdAt: { $gt: filter.createdAfter } });
  if (filter.createdBefore) parts.push({ createdAt: { $lt: filter.createdBefore } });
  if (filter.scheduleId != null) parts.push({ scheduleId: filter.scheduleId });
  return { $and: parts };
}

/** A state as clients see it (see `visibleState`): a due SCHEDULED task is PENDING. */
function stateQuery(state: Task['state'], now: Date): Filter<TaskDocument> {
  if (state === 'PENDING') return { $or: [{ state: 'PENDING' }, { state: 'SCHEDULED', runAt: { $lte: now } }] };
  if (state === 'SCHEDULED') return { state: 'SCHEDULED', runAt: { $gt: now } };
  return { state };
}

/** The sort of an order, with `_id` breaking ties. */
export function sortOf(order: TaskOrder): Sort {
  const { field, direction } = ORDERS[order];
  return { [field]: direction, _id: direction };
}

/** The part of a query that selects what comes after `cursor` in `order`. */
export function afterQuery(order: TaskOrder, cursor: Cursor): Filter<TaskDocument> {
  const { field, direction } = ORDERS[order];
  const beyond = direction === -1 ? '$lt' : '$gt';
  return { $or: [{ [field]: { [beyond]: cursor.value } }, { [field]: cursor.value, _id: { [beyond]: cursor.id } }] };
}

/** The opaque cursor of `task` in `order`. */
export function encodeCursor(order: TaskOrder, task: Task): string {
  const value = task[ORDERS[order].field];
  return Buffer.from(JSON.stringify([order, value.toISOString(), task.id])).toString('base64url');
}

/** The position an `after` cursor names; BAD_USER_INPUT when it is not one of ours for `order`. */
export function decodeCursor(order: TaskOrder, cursor: string): Cursor {
  try {
    const [cursorOrder, iso, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString()) as unknown[];
    const value = new Date(String(iso));
    if (cursorOrder === order && typeof id === 'string' && !Number.isNaN(value.getTime())) return { value, id };
  } catch {
    // fall through: not a cursor of ours
  }
  throw new InvalidInputError(`after: not a cursor of a ${order} list (use an endCursor from the same query)`);
}
