/**
 * A flow's page as data: how deep each task sits in the dependency tree, and how what arrives
 * (a fresh read of the flow, a task's feed event) updates what is shown without going back to
 * an older version of anything. Pure.
 */

/** What the page needs of a task to place and update it. */
export interface FlowTaskLike {
  id: string;
  version: number;
  /** Its name within the flow. */
  ref: string | null;
  dependsOn: readonly { id: string }[];
}

/** What the page needs of a flow to update it. */
export interface FlowLike<T extends FlowTaskLike> {
  version: number;
  tasks: readonly T[];
}

/**
 * Each task's indentation: 0 without dependencies, else one more than its deepest dependency.
 * `tasks` is in dependency order (as `Flow.tasks` lists them), so one pass sees every
 * dependency before its dependents.
 */
export function dependencyDepths(tasks: readonly FlowTaskLike[]): Map<string, number> {
  const depths = new Map<string, number>();
  for (const task of tasks) {
    depths.set(task.id, task.dependsOn.reduce((deepest, dependency) => Math.max(deepest, (depths.get(dependency.id) ?? -1) + 1), 0));
  }
  return depths;
}

/**
 * `tasks` with `update` in place of the task it is a newer version of; an update of a task
 * outside the flow, or an older one, changes nothing. What the update lacks (its ref and
 * dependencies) is kept.
 */
export function withTaskUpdate<T extends FlowTaskLike>(tasks: readonly T[], update: Omit<T, 'ref' | 'dependsOn'>): T[] {
  return tasks.map((task) => (task.id === update.id && update.version > task.version ? { ...task, ...update } : task));
}

/**
 * The flow to show once `read` arrives: the newer of the two flows' own fields, and of each task
 * the newer of its read and shown versions (reads answered out of order, or after a feed event
 * they predate, take nothing back).
 */
export function mergeFlowRead<T extends FlowTaskLike, F extends FlowLike<T>>(shown: F | undefined, read: F): F {
  if (!shown) return read;
  const newer = read.version >= shown.version ? read : shown;
  const shownById = new Map(shown.tasks.map((task) => [task.id, task]));
  return {
    ...newer,
    tasks: read.tasks.map((task) => {
      const known = shownById.get(task.id);
      return known && known.version > task.version ? known : task;
    }),
  };
}
