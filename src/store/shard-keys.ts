/**
 * The shard keys of taskql's collections and the filters that carry them (docs/mongodb-sharding.md).
 * Pure, so the shapes can be checked without a server.
 *
 * `tasks` is sharded on `{ owner, dedupeKey }`. Owner first: one owner's lists and counts stay on
 * the shards holding that owner's range, usually one. `dedupeKey` second: it is the task's id for a
 * task without an idempotency key (random, so a big owner's tasks spread over many chunks) and the
 * owner, type and key otherwise — which makes the idempotency index `{ owner, dedupeKey }` the
 * shard key itself. A sharded collection can enforce a unique index only when it starts with the
 * whole shard key; with `{ owner, _id }` the idempotency index could not be unique cluster-wide.
 * Writes name a task by the full key and `_id`; reads that know only id and owner name those, which
 * routes them to that owner's shards.
 *
 * `schedules` is sharded on `{ owner }`: its unique index `{ owner, name }` starts with it, a rename
 * does not move a schedule between chunks, and an owner's schedules are few.
 */
import type { Filter } from 'mongodb';
import type { Schedule } from '../model/schedule.ts';
import type { Task, TaskRef } from '../model/task.ts';
import { dedupeKeyOf, type TaskDocument } from './task-document.ts';

/** The shard key of `tasks`, as `sh.shardCollection` takes it. */
export const TASKS_SHARD_KEY = { owner: 1, dedupeKey: 1 } as const;

/** The shard key of `schedules`, as `sh.shardCollection` takes it. */
export const SCHEDULES_SHARD_KEY = { owner: 1 } as const;

/** What names one task's document: its shard key and `_id`. */
export type TaskKey = Pick<Task, 'id' | 'owner' | 'type' | 'idempotencyKey'>;

/** The filter of exactly `task`'s document: the full shard key and `_id`. */
export function taskKeyFilter(task: TaskKey): { owner: string; dedupeKey: string; _id: string } {
  return { owner: task.owner, dedupeKey: dedupeKeyOf(task), _id: task.id };
}

/** The filter of the task `ref` names: owner and `_id`, or `_id` alone when the owner is unknown. */
export function taskRefFilter(ref: TaskRef): Filter<TaskDocument> {
  return ref.owner === null ? { _id: ref.id } : { owner: ref.owner, _id: ref.id };
}

/**
 * The filter of the tasks `refs` name: per owner, that owner and its ids (the ids of unknown owner
 * by `_id` alone). One branch needs no `$or`.
 */
export function taskRefsFilter(refs: readonly TaskRef[]): Filter<TaskDocument> {
  const byOwner = new Map<string | null, string[]>();
  for (const { id, owner } of refs) {
    const ids = byOwner.get(owner);
    if (ids) ids.push(id);
    else byOwner.set(owner, [id]);
  }
  const branches = [...byOwner].map(([owner, ids]): Filter<TaskDocument> => (owner === null ? { _id: { $in: ids } } : { owner, _id: { $in: ids } }));
  return branches.length === 1 ? branches[0]! : { $or: branches };
}

/** The filter of exactly schedule `schedule`'s document: its shard key and `_id`. */
export function scheduleKeyFilter(schedule: Pick<Schedule, 'id' | 'owner'>): { owner: string; _id: string } {
  return { owner: schedule.owner, _id: schedule.id };
}
