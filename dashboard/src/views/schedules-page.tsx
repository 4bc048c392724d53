import { useApi } from '../hooks.ts';
import { useSchedules } from '../use-schedules.ts';
import { useTaskTypes } from '../use-task-types.ts';
import { ScheduleForm } from './schedule-form.tsx';
import { ScheduleTable } from './schedule-table.tsx';

/** The schedules page: the form that creates one, and the caller's schedules, kept current. */
export function SchedulesPage() {
  const api = useApi();
  const { types, error } = useTaskTypes(api);
  const list = useSchedules(api);
  return (
    <>
      <h1 class="visually-hidden">Schedules</h1>
      {(error || list.error) && (
        <p class="error" role="alert">
          {error ? `Could not load task types: ${error}` : `Could not load schedules: ${list.error}`}
        </p>
      )}
      <ScheduleForm types={types} onCreated={list.refresh} />
      <ScheduleTable schedules={list.schedules} totalCount={list.totalCount} onChanged={list.refresh} />
    </>
  );
}
