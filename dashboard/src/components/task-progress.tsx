import { TaskState } from '../generated/graphql.ts';
import { ProgressBar } from './progress-bar.tsx';

/**
 * A task's progress as a bar: its reported percentage while it runs, full once it succeeded,
 * nothing when there is nothing to show.
 */
export function TaskProgress({ task }: { task: { id: string; state: TaskState; progress: { percent: number | null; message: string | null } | null } }) {
  const percent = task.state === TaskState.SUCCEEDED ? 100 : task.progress?.percent;
  if (percent === null || percent === undefined) return <span class="muted">{task.progress?.message ?? '—'}</span>;
  return (
    <div class="task-progress">
      <ProgressBar percent={percent} label={`Progress of task ${task.id}`} />
      {task.state === TaskState.RUNNING && task.progress?.message && <span class="muted small">{task.progress.message}</span>}
    </div>
  );
}
