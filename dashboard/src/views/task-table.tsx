import { useState } from 'preact/hooks';
import { StateChip } from '../components/state-chip.tsx';
import { WaitReasonChip } from '../components/wait-reason.tsx';
import { TaskProgress } from '../components/task-progress.tsx';
import { durationText, formatTime, shortId } from '../format.ts';
import { TaskState } from '../generated/graphql.ts';
import { taskHref, useApi, useNow } from '../hooks.ts';
import { useLivePage, type Filters } from '../use-live-page.ts';
import type { TaskTypeInfo } from '../use-task-types.ts';

const PAGE_SIZE = 20;

/**
 * The live task table: a page of `tasks` (newest first) kept current by `taskFeed`
 * (`useLivePage`), with filters and pagination.
 */
export function TaskTable({ types }: { types: TaskTypeInfo[] }) {
  const api = useApi();
  const [filters, setFilters] = useState<Filters>({ state: '', type: '', queue: '', tag: '' });
  // The cursors of the pages before this one; empty on the first page.
  const [cursors, setCursors] = useState<(string | null)[]>([]);
  const { page, stale, error } = useLivePage(api, filters, cursors.at(-1) ?? null, PAGE_SIZE);
  const now = useNow(1000, page?.rows.some((row) => row.state === TaskState.RUNNING) ?? false);

  const change = (next: Partial<Filters>) => {
    setFilters({ ...filters, ...next });
    setCursors([]);
  };
  const first = cursors.length * PAGE_SIZE + 1;

  return (
    <section aria-labelledby="tasks-title">
      <h2 id="tasks-title">Tasks</h2>
      <form class="filters" role="search" aria-label="Filter tasks" onSubmit={(e) => e.preventDefault()}>
        <FilterSelect name="state" label="State" value={filters.state} choices={Object.values(TaskState)} onChange={(state) => change({ state: state as TaskState | '' })} />
        <FilterSelect name="type" label="Type" value={filters.type} choices={types.map((t) => t.name)} onChange={(type) => change({ type })} />
        <FilterSelect name="queue" label="Queue" value={filters.queue} choices={[...new Set(types.map((t) => t.queue))]} onChange={(queue) => change({ queue })} />
        <div class="field">
          <label for="filter-tag">Tag</label>
          <input id="filter-tag" type="search" value={filters.tag} placeholder="any" onChange={(e) => change({ tag: e.currentTarget.value.trim() })} />
        </div>
      </form>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      <div class="table-wrap">
        <table class="tasks" aria-describedby="tasks-range" aria-busy={stale}>
          <thead>
            <tr>
              <th scope="col">Task</th>
              <th scope="col">State</th>
              <th scope="col">Progress</th>
              <th scope="col">Queue</th>
              <th scope="col">Tags</th>
              <th scope="col">Created</th>
              <th scope="col">Duration</th>
            </tr>
          </thead>
          <tbody>
            {page?.rows.map((task) => (
              <tr key={task.id} data-task-id={task.id}>
                <td data-label="Task">
                  <a href={taskHref(task.id)} title={task.id}>
                    {task.type} <span class="mono muted">{shortId(task.id)}</span>
                  </a>
                </td>
                <td data-label="State">
                  <StateChip state={task.state} /> <WaitReasonChip reason={task.waitReason} />
                </td>
                <td data-label="Progress">
                  <TaskProgress task={task} />
                </td>
                <td data-label="Queue">{task.queue}</td>
                <td data-label="Tags">
                  {task.tags.map((tag) => (
                    <span class="tag" key={tag}>
                      {tag}
                    </span>
                  ))}
                </td>
                <td data-label="Created">{formatTime(task.createdAt)}</td>
                <td data-label="Duration">{durationText(task, now)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {page?.rows.length === 0 && <p class="muted">No tasks match.</p>}
      <nav class="pager" aria-label="Pages">
        <span id="tasks-range" aria-live="polite">
          {page && page.rows.length > 0 ? `${first}–${first + page.rows.length - 1} of ${page.totalCount}` : ''}
        </span>
        <button type="button" class="secondary" disabled={cursors.length === 0} onClick={() => setCursors(cursors.slice(0, -1))}>
          Newer
        </button>
        <button type="button" class="secondary" disabled={!page?.hasNextPage} onClick={() => page && setCursors([...cursors, page.endCursor])}>
          Older
        </button>
      </nav>
    </section>
  );
}

/** One of the table's filters: any, or one of `choices`. */
function FilterSelect({ name, label, value, choices, onChange }: { name: string; label: string; value: string; choices: readonly string[]; onChange: (value: string) => void }) {
  return (
    <div class="field">
      <label for={`filter-${name}`}>{label}</label>
      <select id={`filter-${name}`} value={value} onChange={(e) => onChange(e.currentTarget.value)}>
        <option value="">Any</option>
        {choices.map((choice) => (
          <option key={choice} value={choice}>
            {choice}
          </option>
        ))}
      </select>
    </div>
  );
}
