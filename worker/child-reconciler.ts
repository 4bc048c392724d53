/**
 * The child reconciler: parents a process that died left waiting. The process that records a
 * child's final state settles its parent right after (`src/service/child-coordinator.ts`); dying
 * between the two, or losing MongoDB or Redis then, would leave the parent WAITING for ever. So
 * every `RECONCILE_INTERVAL_MS` each task that has been WAITING for its children for
 * `RECONCILE_GRACE_MS` is looked at — all of them, a page at a time — and settled if its children
 * are all final. Settling is a version-guarded transition, so it loses to anything that happens
 * meanwhile and doing it twice changes nothing.
 */
import type { Runtime } from '../src/runtime.ts';
import type { Chore } from './maintenance.ts';

const PAGE = 200;

/** The chore that settles stranded parents, every `RECONCILE_INTERVAL_MS`; resolves with the ids of those it settled. */
export function childReconcilerChore({ childStore, childCoordinator, logger, config }: Runtime): Chore {
  return {
    name: 'reconcile-children',
    everyMs: config.reconcileIntervalMs,
    run: async () => {
      const before = new Date(Date.now() - config.reconcileGraceMs);
      const settled: string[] = [];
      for (let after: string | null = null; ; ) {
        const page = await childStore.waitingParentsSince(before, PAGE, after);
        for (const parent of page) {
          if (!(await childCoordinator.settle(parent))) continue;
          settled.push(parent.id);
          logger.warn({ taskId: parent.id }, 'child reconciler settled a parent its children had left waiting');
        }
        if (page.length < PAGE) break;
        after = page.at(-1)!.id;
      }
      return settled;
    },
  };
}
