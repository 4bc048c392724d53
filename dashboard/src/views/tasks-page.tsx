import { useEffect, useState } from 'preact/hooks';
import type { ApiError } from '../api.ts';
import { TaskTypesDocument, type TaskTypesQuery } from '../generated/graphql.ts';
import { useApi } from '../hooks.ts';
import { EnqueueForm } from './enqueue-form.tsx';
import { QueueCards } from './queue-cards.tsx';
import { TaskTable } from './task-table.tsx';

/** The task types this deployment runs, as `taskTypes` returns them. */
export type TaskTypeInfo = TaskTypesQuery['taskTypes'][number];

/** The home page: queues at a glance, a form to enqueue, and the live task table. */
export function TasksPage() {
  const api = useApi();
  const [types, setTypes] = useState<TaskTypeInfo[]>([]);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    api.request(TaskTypesDocument, {}).then(
      (data) => setTypes(data.taskTypes),
      (e: ApiError) => setError(e.message),
    );
  }, [api]);

  return (
    <>
      <h1 class="visually-hidden">Tasks</h1>
      {error && (
        <p class="error" role="alert">
          Could not load task types: {error}
        </p>
      )}
      <QueueCards />
      <EnqueueForm types={types} />
      <TaskTable types={types} />
    </>
  );
}
