/**
 * Deleting expired tasks. A finished task is invisible from its `expiresAt` on (the store filters
 * it out); this chore deletes the documents, in batches so one run never holds a huge list, and
 * with them the tasks' log lines and output chunks, and each flow whose last task went.
 */
import type { Runtime } from '../src/runtime.ts';
import type { Chore } from './maintenance.ts';

const BATCH = 1000;

/** The chore that deletes every expired task, with its logs and output, every `CLEANUP_INTERVAL_MS`. */
export function retentionChore({ store, outputStore, flowStore, logger, config }: Runtime): Chore {
  return {
    name: 'delete-expired-tasks',
    everyMs: config.cleanupIntervalMs,
    run: async () => {
      let total = 0;
      for (;;) {
        const deleted = await store.deleteExpired(BATCH);
        // After the tasks, so no kept task loses its output. A run that fails in between leaves
        // that batch's output behind, unreachable (its task is gone) until deleted by hand.
        await outputStore.deleteFor(deleted.map((d) => d.id));
        // Likewise a flow, and its change log, once none of its tasks is left.
        await flowStore.removeEmptied(deleted.flatMap((d) => (d.flowId === null ? [] : [{ id: d.flowId, owner: d.owner }])));
        total += deleted.length;
        if (deleted.length < BATCH) break;
      }
      if (total > 0) logger.info({ deleted: total }, 'deleted expired tasks');
      return total;
    },
  };
}
