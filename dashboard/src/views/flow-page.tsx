import { useState } from 'preact/hooks';
import { ApiError } from '../api.ts';
import { ProgressBar } from '../components/progress-bar.tsx';
import { StateChip } from '../components/state-chip.tsx';
import { TaskProgress } from '../components/task-progress.tsx';
import { WaitReasonChip } from '../components/wait-reason.tsx';
import { styleOf } from '../enums.ts';
import { dependencyDepths } from '../flow-view.ts';
import { CancelFlowDocument, FlowState } from '../generated/graphql.ts';
import { taskHref, useApi } from '../hooks.ts';
import { useFlow } from '../use-flow.ts';

/**
 * One flow's page: its name, state and progress, and its tasks in dependency order, each indented
 * under its deepest dependency with its live state (and wait reason), progress and a link to its
 * page; Cancel while it runs.
 */
export function FlowPage({ id }: { id: string }) {
  const api = useApi();
  const { flow, missing, error } = useFlow(api, id);
  const [busy, setBusy] = useState(false);
  const [actionError, setActionError] = useState<string | null>(null);

  const cancel = async () => {
    setBusy(true);
    setActionError(null);
    try {
      await api.request(CancelFlowDocument, { id, reason: 'cancelled from the dashboard' });
    } catch (e) {
      setActionError(e instanceof ApiError ? e.message : String(e));
    } finally {
      setBusy(false);
    }
  };

  if (missing) {
    return (
      <section class="panel">
        <h1>Flow not found</h1>
        <p>
          No flow <span class="mono">{id}</span> exists that you may see. <a href="#/">Back to tasks</a>
        </p>
      </section>
    );
  }
  if (!flow) return <p class="muted">{error ?? 'Loading…'}</p>;

  const depths = dependencyDepths(flow.tasks);
  const refs = new Map(flow.tasks.map((task) => [task.id, task.ref ?? task.id]));
  const shownError = actionError ?? error;
  return (
    <article class="flow-page" aria-labelledby="flow-title">
      <p>
        <a href="#/">← Tasks</a>
      </p>
      <header class="task-head">
        <h1 id="flow-title">
          {flow.name ?? 'Flow'} <span class="mono muted small">{flow.id}</span>
        </h1>
        <span class={`chip chip-${styleOf(FlowState, flow.state)}`}>{flow.state}</span>
        <div class="actions">
          {flow.state === FlowState.RUNNING && (
            <button type="button" class="danger" disabled={busy} onClick={() => void cancel()}>
              Cancel
            </button>
          )}
        </div>
      </header>
      {shownError && (
        <p class="error" role="alert">
          {shownError}
        </p>
      )}
      <ProgressBar percent={flow.progress * 100} label="Progress of the flow" />
      <h2 id="flow-tasks-title">Tasks</h2>
      <ol class="flow-tasks" aria-labelledby="flow-tasks-title">
        {flow.tasks.map((task) => (
          <li key={task.id} class="flow-task" style={{ marginLeft: `${(depths.get(task.id) ?? 0) * 1.5}rem` }} aria-label={`Task ${task.ref ?? task.id}`}>
            <a class="mono" href={taskHref(task.id)}>
              {task.ref ?? task.id}
            </a>{' '}
            <span class="muted small">{task.type}</span> <StateChip state={task.state} /> <WaitReasonChip reason={task.waitReason} />
            {task.dependsOn.length > 0 && <span class="muted small"> after {task.dependsOn.map((d) => refs.get(d.id) ?? d.id).join(', ')}</span>}
            <TaskProgress task={task} />
          </li>
        ))}
      </ol>
    </article>
  );
}
