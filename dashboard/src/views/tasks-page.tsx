import { useApi } from '../hooks.ts';
import { useTaskTypes } from '../use-task-types.ts';
import { EnqueueForm } from './enqueue-form.tsx';
import { QueueCards } from './queue-cards.tsx';
import { TaskTable } from './task-table.tsx';

/** The home page: queues at a glance, a form to enqueue, and the live task table. */
export function TasksPage() {
  const { types, error } = useTaskTypes(useApi());
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
