/**
 * Deleting expired tasks. A finished task is invisible from its `expiresAt` on (the store filters
 * it out); this chore deletes the documents, in batches so one run never holds a huge list.
 */
import type { Runtime } from '../src/runtime.ts';
import type { Chore } from './maintenance.ts';

const BATCH = 1000;

/** The chore that deletes every expired task, every `CLEANUP_INTERVAL_MS`. */
export function retentionChore({ store, logger, config }: Runtime): Chore {
  return {
    name: 'delete-expired-tasks',
    everyMs: config.cleanupIntervalMs,
    run: async () => {
      let total = 0;
      for (;;) {
        const deleted = await store.deleteExpired(BATCH);
        total += deleted;
        if (deleted < BATCH) break;
      }
      if (total > 0) logger.info({ deleted: total }, 'deleted expired tasks');
      return total;
    },
  };
}
