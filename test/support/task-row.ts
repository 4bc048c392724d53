/** A row of the dashboard's task table, as its `tasks` query and `taskFeed` answer it, for tests. */
import type { TaskRowFieldsFragment, TaskState } from '../../dashboard/src/generated/graphql.ts';

/** A `sleep` task's row: created (and last updated) at `createdAt`, in `state` at `version`. */
export function taskRow(id: string, createdAt: string, state: TaskState = 'PENDING', version = 1): TaskRowFieldsFragment {
  return {
    id,
    type: 'sleep',
    queue: 'default',
    waitReason: null,
    state,
    tags: [],
    priority: 0,
    version,
    attempt: 0,
    maxAttempts: 3,
    progress: null,
    createdAt,
    startedAt: null,
    finishedAt: null,
    updatedAt: createdAt,
  };
}
