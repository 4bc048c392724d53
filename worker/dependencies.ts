/**
 * `ctx.dependencies`: how the tasks a flow task depends on ended, read when its attempt starts.
 */
import type { Task } from '../src/model/task.ts';
import type { FlowStore } from '../src/store/flow-store.ts';
import type { DependencyOutcome } from './handler.ts';

/**
 * `task`'s dependencies by ref, as they are now (one read; none for a task outside flows). A
 * dependency that no longer exists (expired) is left out.
 */
export async function dependenciesOf(flows: FlowStore, task: Task): Promise<Record<string, DependencyOutcome>> {
  if (task.dependsOn.length === 0) return {};
  const found = await flows.dependencyResults(task);
  return Object.fromEntries(found.map((d) => [d.ref ?? d.id, { state: d.state, result: d.result, error: d.error }]));
}
