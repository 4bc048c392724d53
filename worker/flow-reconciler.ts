/**
 * The flow reconciler: what a process that died left undone in flows. The process that records a
 * task's final state releases its dependents and records the flow's change right after
 * (`src/service/flow-coordinator.ts`); dying between the two, or losing MongoDB or Redis then,
 * would leave a task WAITING for ever and the flow RUNNING. So every `RECONCILE_INTERVAL_MS` the
 * flows that have been RUNNING without a change for `RECONCILE_GRACE_MS` are looked at — all of
 * them, a page at a time — and each WAITING task whose dependencies decide it is decided, and
 * the flow's state recorded if its tasks have moved it on. Submissions that stopped half way
 * (unsubmitted) are deleted with whatever of their tasks was stored.
 *
 * Every repair is a version-guarded transition or an insert of the flow's next version, so it
 * loses to anything that happens meanwhile and doing it twice changes nothing.
 */
import { dependencyVerdict } from '../src/model/flow.ts';
import type { Runtime } from '../src/runtime.ts';
import { eachInPages, type Chore } from './maintenance.ts';

const PAGE = 200;

/** The chore that repairs flows, every `RECONCILE_INTERVAL_MS`; resolves with the ids of the tasks it decided. */
export function flowReconcilerChore({ flowStore, flowCoordinator, store, logger, config }: Runtime): Chore {
  return {
    name: 'reconcile-flows',
    everyMs: config.reconcileIntervalMs,
    run: async () => {
      const before = new Date(Date.now() - config.reconcileGraceMs);
      const decided: string[] = [];
      await eachInPages(PAGE, (size, after) => flowStore.runningSince(before, size, after), async (flow) => {
        const tasks = await flowStore.tasksOfFlow(flow.owner, flow.id);
        const byId = new Map(tasks.map((t) => [t.id, t]));
        for (const task of tasks) {
          if (task.state !== 'WAITING' || task.waitingForChildren) continue;
          const dependencies = task.dependsOn.map((id) => byId.get(id) ?? { id, ref: null, state: 'CANCELLED' as const });
          if (dependencyVerdict(task.onDependencyFailure, dependencies).kind === 'wait') continue;
          await flowCoordinator.evaluate(task);
          decided.push(task.id);
          logger.warn({ taskId: task.id, flowId: flow.id }, 'flow reconciler decided a task its dependencies had left waiting');
        }
        await flowCoordinator.refresh(flow.owner, flow.id);
      });
      // A submission that failed (its client was told so) or whose process died: undone, never
      // completed. It was marked submitted before any job was queued, so none of it has run.
      for (const flow of await flowStore.unsubmittedSince(before, PAGE)) {
        const stored = await flowStore.tasksOfFlow(flow.owner, flow.id);
        await store.removeMany(stored);
        await flowStore.remove(flow);
        logger.warn({ flowId: flow.id, stored: stored.length, of: flow.taskIds.length }, 'flow reconciler deleted a submission that stopped half way');
      }
      return decided;
    },
  };
}
