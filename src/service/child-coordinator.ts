/**
 * What follows a recorded change of a parent or a child (`ctx.spawn`), done by the process that
 * recorded it — the recorder's observer path, as for flows (`flow-coordinator.ts`): a child that
 * reached a final state, or a parent that began WAITING for its children, settles the parent once
 * every child is final; a parent that was CANCELLED cancels its unfinished children (which cancel
 * theirs, the same way). A child stored while its parent was being cancelled is cancelled as soon
 * as it is stored (`spawned`): either the parent's cancel reads it among the children or the
 * spawn reads the parent CANCELLED, since each reads after its own write.
 *
 * Settling is a version-guarded transition through the recorder, decided from the children as
 * they are after the change that set it off, so two children finishing at once, or the reconciler
 * after a process that died between a child's final write and its parent's (`worker/child-reconciler.ts`),
 * settle the parent once.
 */
import { actingFor } from '../auth/principal.ts';
import { TaskConflictError, TaskNotFoundError } from '../errors.ts';
import { childrenVerdict } from '../model/children.ts';
import { settleChildren } from '../model/state-machine.ts';
import { isFinalState, type Task, type TaskChange } from '../model/task.ts';
import type { ChildStore } from '../store/child-store.ts';
import type { TaskStore } from '../store/task-store.ts';
import type { TaskRecorder } from './task-recorder.ts';
import type { TaskService } from './task-service.ts';

export class ChildCoordinator {
  readonly #children: ChildStore;
  readonly #store: TaskStore;
  readonly #recorder: TaskRecorder;
  readonly #tasks: TaskService;

  constructor(deps: { children: ChildStore; store: TaskStore; recorder: TaskRecorder; tasks: TaskService }) {
    this.#children = deps.children;
    this.#store = deps.store;
    this.#recorder = deps.recorder;
    this.#tasks = deps.tasks;
  }

  /** Carry out what `change` sets off for the task's parent or children; most changes set off nothing. */
  async afterChange({ task, event }: TaskChange): Promise<void> {
    if (task.parentId !== null && isFinalState(event.state)) {
      const parent = await this.#store.get({ id: task.parentId, owner: task.owner });
      if (parent) await this.settle(parent);
    }
    if (event.type === 'WAITING' && task.waitingForChildren) await this.settle(task);
    // Only a task that has run can have spawned children.
    if (event.type === 'CANCELLED' && task.attempt > 0) await this.cancelChildren(task, event.reason);
  }

  /** Cancel `child`, just stored by its parent's handler, if the parent has been CANCELLED meanwhile. */
  async spawned(child: Task): Promise<void> {
    if (child.parentId === null) return;
    const parent = await this.#store.get({ id: child.parentId, owner: child.owner });
    if (parent?.state === 'CANCELLED') await this.#cancel([child], parent, null);
  }

  /**
   * End `parent` if it is WAITING for its children and they are all final: SUCCEEDED with their
   * outcomes or FAILED for one of them (`childrenVerdict`). Anything else is left alone. Resolves
   * with whether this call ended it.
   */
  async settle(parent: Task): Promise<boolean> {
    if (parent.state !== 'WAITING' || !parent.waitingForChildren) return false;
    // The cheap question first: most children that finish are not the last.
    if (await this.#children.hasUnfinishedChild(parent)) return false;
    const verdict = childrenVerdict(await this.#children.children(parent));
    if (verdict.kind === 'wait') return false;
    return (await this.#recorder.record(parent, (t, now) => settleChildren(t, verdict, now))).ok;
  }

  /**
   * Cancel `parent`'s unfinished children (it was CANCELLED) through `cancelTask`'s path, a running
   * one through its worker, saying why the parent was (`reason`, when known). Resolves with how
   * many were unfinished.
   */
  async cancelChildren(parent: Task, reason: string | null = null): Promise<number> {
    const unfinished = (await this.#children.children(parent)).filter((c) => !isFinalState(c.state));
    await this.#cancel(unfinished, parent, reason);
    return unfinished.length;
  }

  async #cancel(children: readonly Task[], parent: Task, reason: string | null): Promise<void> {
    const why = `its parent task ${parent.id} was cancelled${reason ? `: ${reason}` : ''}`;
    await Promise.all(
      children.map((child) =>
        this.#tasks.cancel(actingFor(child.owner), child.id, why).catch((error: unknown) => {
          // Finished or gone meanwhile: nothing left to cancel.
          if (!(error instanceof TaskConflictError || error instanceof TaskNotFoundError)) throw error;
        }),
      ),
    );
  }
}
