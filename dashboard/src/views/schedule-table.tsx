import { useState } from 'preact/hooks';
import type { ApiError } from '../api.ts';
import { StateChip } from '../components/state-chip.tsx';
import { formatTime, shortId } from '../format.ts';
import {
  DeleteScheduleDocument,
  PauseScheduleDocument,
  ResumeScheduleDocument,
  TriggerScheduleDocument,
  type ScheduleFieldsFragment,
} from '../generated/graphql.ts';
import { taskHref, useApi } from '../hooks.ts';
import { timetableText } from '../schedule-form.ts';
import { LIST_SIZE } from '../use-schedules.ts';

/** What each row's buttons do, as mutations taking the schedule's id. */
const ACTIONS = {
  pause: PauseScheduleDocument,
  resume: ResumeScheduleDocument,
  trigger: TriggerScheduleDocument,
  delete: DeleteScheduleDocument,
} as const;
type Action = keyof typeof ACTIONS;

/**
 * The caller's schedules with their timetables, next and last runs and the last run's task; each
 * row pauses or resumes, triggers a run now, and deletes (after asking). `onChanged` runs after
 * each action, so the list is read again.
 */
export function ScheduleTable({ schedules, totalCount, onChanged }: { schedules: ScheduleFieldsFragment[] | undefined; totalCount: number; onChanged: () => void }) {
  const api = useApi();
  const [busy, setBusy] = useState<string | null>(null);
  const [confirming, setConfirming] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);

  const act = async (action: Action, schedule: ScheduleFieldsFragment) => {
    setBusy(schedule.id);
    setError(null);
    setConfirming(null);
    try {
      await api.request<unknown, { id: string }>(ACTIONS[action], { id: schedule.id });
    } catch (e) {
      setError(`Could not ${action} ${schedule.name}: ${(e as ApiError).message}`);
    } finally {
      setBusy(null);
      onChanged();
    }
  };

  return (
    <section aria-labelledby="schedules-title">
      <h2 id="schedules-title">Schedules</h2>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      <div class="table-wrap">
        <table class="tasks schedules" aria-busy={schedules === undefined}>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Type</th>
              <th scope="col">Timetable</th>
              <th scope="col">Next run</th>
              <th scope="col">Last run</th>
              <th scope="col">Status</th>
              <th scope="col">Last task</th>
              <th scope="col">Actions</th>
            </tr>
          </thead>
          <tbody>
            {schedules?.map((schedule) => (
              <tr key={schedule.id} data-schedule-id={schedule.id}>
                <td data-label="Name">{schedule.name}</td>
                <td data-label="Type">{schedule.type}</td>
                <td data-label="Timetable">
                  <span class="mono">{timetableText(schedule)}</span>
                </td>
                <td data-label="Next run">{formatTime(schedule.nextRunAt)}</td>
                <td data-label="Last run">{formatTime(schedule.lastRunAt)}</td>
                <td data-label="Status">{schedule.paused ? 'Paused' : 'Active'}</td>
                <td data-label="Last task">
                  {schedule.lastTask ? (
                    <a href={taskHref(schedule.lastTask.id)}>
                      <StateChip state={schedule.lastTask.state} /> <span class="mono muted">{shortId(schedule.lastTask.id)}</span>
                    </a>
                  ) : (
                    '—'
                  )}
                </td>
                <td data-label="Actions">
                  <div class="actions">
                    {confirming === schedule.id ? (
                      <>
                        <button type="button" class="danger" disabled={busy !== null} aria-label={`Confirm deleting ${schedule.name}`} onClick={() => void act('delete', schedule)}>
                          Confirm delete
                        </button>
                        <button type="button" class="secondary" onClick={() => setConfirming(null)}>
                          Keep
                        </button>
                      </>
                    ) : (
                      <>
                        <RowButton schedule={schedule} busy={busy} action={schedule.paused ? 'resume' : 'pause'} act={act} />
                        <RowButton schedule={schedule} busy={busy} action="trigger" act={act} />
                        <button type="button" class="secondary" disabled={busy !== null} aria-label={`Delete ${schedule.name}`} onClick={() => setConfirming(schedule.id)}>
                          Delete
                        </button>
                      </>
                    )}
                  </div>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {schedules?.length === 0 && <p class="muted">No schedules yet.</p>}
      {schedules && totalCount > schedules.length && (
        <p class="muted">
          Showing the oldest {LIST_SIZE} of {totalCount} schedules.
        </p>
      )}
    </section>
  );
}

const LABELS: Record<Exclude<Action, 'delete'>, string> = { pause: 'Pause', resume: 'Resume', trigger: 'Trigger now' };

function RowButton({
  schedule,
  busy,
  action,
  act,
}: {
  schedule: ScheduleFieldsFragment;
  busy: string | null;
  action: Exclude<Action, 'delete'>;
  act: (action: Action, schedule: ScheduleFieldsFragment) => Promise<void>;
}) {
  return (
    <button type="button" class="secondary" disabled={busy !== null} aria-label={`${LABELS[action]} ${schedule.name}`} onClick={() => void act(action, schedule)}>
      {LABELS[action]}
    </button>
  );
}
