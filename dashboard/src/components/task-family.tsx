import { useEffect, useState } from 'preact/hooks';
import type { ApiError } from '../api.ts';
import { TaskFamilyDocument, TaskFeedDocument, type TaskFamilyQuery } from '../generated/graphql.ts';
import { taskHref, useApi } from '../hooks.ts';
import { StateChip } from './state-chip.tsx';

type Family = NonNullable<TaskFamilyQuery['task']>;

/**
 * A task's parent (the task whose handler spawned it) and its children in spawn order, each
 * linked, with a state chip. Read again whenever the task itself changes (`version`); between
 * those reads `taskFeed` moves the children's chips.
 */
export function TaskFamily({ id, version }: { id: string; version: number }) {
  const api = useApi();
  const [family, setFamily] = useState<Family | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    let current = true;
    api.request(TaskFamilyDocument, { id }).then(
      ({ task }) => current && setFamily(task),
      (e: ApiError) => current && setError(e.message),
    );
    return () => {
      current = false;
    };
  }, [api, id, version]);

  useEffect(
    () =>
      api.subscribe(
        TaskFeedDocument,
        {},
        {
          next: ({ taskFeed: { taskId, state } }) =>
            setFamily((shown) => shown && { ...shown, children: shown.children.map((c) => (c.id === taskId ? { ...c, state } : c)) }),
          error: (e) => setError(e.message),
        },
      ),
    [api],
  );

  if (error) return <p class="error">{error}</p>;
  if (!family || (!family.parent && family.children.length === 0)) return null;
  return (
    <section aria-labelledby="family-title">
      <h2 id="family-title">{family.children.length > 0 ? `Children (${family.children.length})` : 'Parent'}</h2>
      {family.parent && (
        <p>
          Spawned by <a href={taskHref(family.parent.id)}>{family.parent.type}</a> <StateChip state={family.parent.state} />
        </p>
      )}
      {family.children.length > 0 && (
        <ol class="children" aria-label="Children">
          {family.children.map((child) => (
            <li key={child.id} aria-label={`Child ${child.type} ${child.id}`}>
              <a href={taskHref(child.id)}>{child.type}</a> <StateChip state={child.state} />
              {child.failParentOnChildFailure && <span class="muted small"> fails its parent</span>}
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}
