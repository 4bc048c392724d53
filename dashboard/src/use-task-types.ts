/** The task types this deployment runs, read once per connection for the pages whose forms pick one. */
import { useEffect, useState } from 'preact/hooks';
import type { Api, ApiError } from './api.ts';
import { TaskTypesDocument, type TaskTypesQuery } from './generated/graphql.ts';

/** One task type as `taskTypes` returns it. */
export type TaskTypeInfo = TaskTypesQuery['taskTypes'][number];

/** The task types (empty until they arrive), and the error if reading them failed. */
export function useTaskTypes(api: Api): { types: TaskTypeInfo[]; error: string | null } {
  const [types, setTypes] = useState<TaskTypeInfo[]>([]);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    api.request(TaskTypesDocument, {}).then(
      (data) => setTypes(data.taskTypes),
      (e: ApiError) => setError(e.message),
    );
  }, [api]);
  return { types, error };
}
