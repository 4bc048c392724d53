/**
 * The task table's rows kept live: a page read with `tasks` (newest first), then each `taskFeed`
 * event applied to it. Pure, so it is unit-tested without a browser.
 *
 * The feed is subscribed without the state filter and states are checked here, because a row
 * must also hear the event that takes its task *out* of the filter (RUNNING → SUCCEEDED under
 * "RUNNING only"), which a server-side state filter would never send.
 */
import type { TaskRowFieldsFragment, TaskState } from './generated/graphql.ts';

/** One page of the table. */
export interface TaskRows {
  rows: TaskRowFieldsFragment[];
  totalCount: number;
  /** New tasks appear only on the first page; later pages keep their place. */
  firstPage: boolean;
  pageSize: number;
}

/** A feed event, as far as the table needs it. */
export interface RowEvent {
  taskId: string;
  version: number;
  task: TaskRowFieldsFragment;
}

/** `page` after `event`; `states` is the table's state filter (empty: every state). */
export function applyEvent(page: TaskRows, event: RowEvent, states: readonly TaskState[]): TaskRows {
  const matches = states.length === 0 || states.includes(event.task.state);
  const index = page.rows.findIndex((row) => row.id === event.taskId);
  if (index >= 0) {
    const row = page.rows[index]!;
    // An event older than what the row shows (a page read after it was published) changes nothing.
    if (event.version <= row.version) return page;
    if (!matches) return { ...page, rows: page.rows.filter((_, i) => i !== index), totalCount: page.totalCount - 1 };
    return { ...page, rows: page.rows.map((r, i) => (i === index ? event.task : r)) };
  }
  if (!matches || !page.firstPage) return page;
  // Newly matching (created, or retried into the filter): it goes where newest-first puts it,
  // if that is within this page.
  const rows = [...page.rows, event.task].sort((a, b) => b.createdAt.localeCompare(a.createdAt) || b.id.localeCompare(a.id));
  return { ...page, rows: rows.slice(0, page.pageSize), totalCount: page.totalCount + 1 };
}
