/**
 * The reconciler: finds unfinished tasks whose BullMQ job is gone and puts them back in their
 * queue, recording a REQUEUED event that says why. Such a task is left by an enqueue or retry that
 * died between its MongoDB write and its Redis write, or by Redis losing data; a RUNNING task whose
 * worker died keeps its job (BullMQ's stalled-job check hands it to another worker), so it is not
 * the reconciler's business unless the job is gone too.
 *
 * Only tasks unchanged for `RECONCILE_GRACE_MS` are looked at, so an enqueue still under way is
 * left alone; the version guard makes a repair lose to any change that happens meanwhile.
 */
import { recover } from '../src/model/state-machine.ts';
import type { Runtime } from '../src/runtime.ts';
import type { Chore } from './maintenance.ts';

const BATCH = 500;

/** The chore that repairs tasks without jobs, every `RECONCILE_INTERVAL_MS`; resolves with the ids repaired. */
export function reconcilerChore({ store, queues, recorder, logger, config }: Runtime): Chore {
  return {
    name: 'reconcile-tasks',
    everyMs: config.reconcileIntervalMs,
    run: async () => {
      const repaired: string[] = [];
      const stale = await store.unfinished(new Date(Date.now() - config.reconcileGraceMs), BATCH);
      for (const task of stale) {
        if ((await queues.jobState(task)) !== 'unknown') continue;
        const reason = `reconciler: the task was ${task.state} but its queue had no job for it`;
        const recovered = await recorder.record(task, (t, now) => recover(t, reason, now));
        if (!recovered.ok) continue; // it moved on meanwhile: nothing to repair
        await queues.add(recovered.task);
        repaired.push(task.id);
        logger.warn({ taskId: task.id, was: task.state }, 'reconciler requeued a task that had no job');
      }
      return repaired;
    },
  };
}
