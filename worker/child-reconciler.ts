/**
 * The child reconciler: parents a process that died left waiting. The process that records a
 * child's final state settles its parent right after (`src/service/child-coordinator.ts`); dying
 * between the two, or losing MongoDB or Redis then, would leave the parent WAITING for ever. So
 * every `RECONCILE_INTERVAL_MS` each task that has been WAITING for its children for
 * `RECONCILE_GRACE_MS` is looked at — all of them, a page at a time — and settled if its children
 * are all final. Settling is a version-guarded transition, so it loses to anything that happens
 * meanwhile and doing it twice changes nothing.
 *
 * Likewise a parent's cancel: the process that records a parent CANCELLED cancels its children
 * right after, and one that dies between the two would leave them to run. So each run also looks
 * at the tasks CANCELLED after running between `RECONCILE_GRACE_MS` and that plus
 * CANCELLED_PARENTS_WINDOW_MS ago, and cancels their unfinished children. A window rather than
 * every cancelled task ever: successive runs overlap in it, so each cancel is looked at by many
 * of them, and a run reads only the recent ones.
 */
import type { Runtime } from '../src/runtime.ts';
import { eachInPages, type Chore } from './maintenance.ts';

const PAGE = 200;

/** How far back, before the grace, the reconciler looks for cancelled parents: an hour of runs. */
export const CANCELLED_PARENTS_WINDOW_MS = 60 * 60_000;

/**
 * The chore that settles stranded parents and cancels the children of cancelled ones, every
 * `RECONCILE_INTERVAL_MS`; resolves with the ids of the parents it settled or whose children it cancelled.
 */
export function childReconcilerChore({ childStore, childCoordinator, logger, config }: Runtime): Chore {
  return {
    name: 'reconcile-children',
    everyMs: config.reconcileIntervalMs,
    run: async () => {
      const before = new Date(Date.now() - config.reconcileGraceMs);
      const settled: string[] = [];
      await eachInPages(PAGE, (size, after) => childStore.waitingParentsSince(before, size, after), async (parent) => {
        if (!(await childCoordinator.settle(parent))) return;
        settled.push(parent.id);
        logger.warn({ taskId: parent.id }, 'child reconciler settled a parent its children had left waiting');
      });
      const from = new Date(before.getTime() - CANCELLED_PARENTS_WINDOW_MS);
      await eachInPages(PAGE, (size, after) => childStore.cancelledParentsBetween(from, before, size, after), async (parent) => {
        const cancelled = await childCoordinator.cancelChildren(parent);
        if (cancelled === 0) return;
        settled.push(parent.id);
        logger.warn({ taskId: parent.id, children: cancelled }, 'child reconciler cancelled the children a cancelled parent had left running');
      });
      return settled;
    },
  };
}
