/**
 * How a change reaches a task's document so that, of the writers deciding from one version, exactly
 * one succeeds. The way differs by server and is chosen once, when the server is known
 * (`taskWritesFor` in `task-store.ts`): MongoDB checks the version and writes in one atomic step
 * (`AtomicWrites`); FerretDB 1.x does not, so its writers first claim the version they write from
 * (`FerretDbClaims`).
 */
import type { Transition } from '../model/state-machine.ts';
import type { Task, TaskRef } from '../model/task.ts';

/** Version-guarded writes of tasks, as one server needs them done. */
export interface TaskWrites {
  /**
   * Write `transition`, made from `prev`, if the stored task is still at `prev.version`. False
   * when another writer got there first (or the task is gone): re-read and decide again.
   */
  commit(prev: Task, transition: Transition): Promise<boolean>;
  /** Tasks among `refs` have just been deleted: drop what these writes kept for the ones now gone. */
  afterDelete(refs: readonly TaskRef[]): Promise<void>;
}
