/**
 * Which tasks a list or a feed is about. One filter, two uses: the store turns it into a MongoDB
 * query (`src/store/task-query.ts`), and feeds test each live change against it in memory with
 * `matchesFilter`, before any GraphQL work is done for a subscriber.
 */
import { visibleState, type Task, type TaskState } from './task.ts';

/**
 * A filter; every part that is set must match (tags: the task has all of them). `owner` and
 * `ids` are not the client's to set: the API adds them to keep a caller to what it may see.
 * `scheduleId` selects the runs of one schedule (`Schedule.tasks`).
 */
export interface TaskFilter {
  owner?: string | null;
  ids?: readonly string[] | null;
  states?: readonly TaskState[] | null;
  types?: readonly string[] | null;
  queues?: readonly string[] | null;
  tags?: readonly string[] | null;
  createdAfter?: Date | null;
  createdBefore?: Date | null;
  scheduleId?: string | null;
}

/** Whether `task` (as it is at `now`) matches `filter`. */
export function matchesFilter(task: Task, filter: TaskFilter, now: Date): boolean {
  return (
    (filter.owner == null || task.owner === filter.owner) &&
    (filter.ids == null || filter.ids.includes(task.id)) &&
    (!filter.states?.length || filter.states.includes(visibleState(task, now))) &&
    (!filter.types?.length || filter.types.includes(task.type)) &&
    (!filter.queues?.length || filter.queues.includes(task.queue)) &&
    (!filter.tags?.length || filter.tags.every((tag) => task.tags.includes(tag))) &&
    (!filter.createdAfter || task.createdAt > filter.createdAfter) &&
    (!filter.createdBefore || task.createdAt < filter.createdBefore) &&
    (filter.scheduleId == null || task.scheduleId === filter.scheduleId)
  );
}
