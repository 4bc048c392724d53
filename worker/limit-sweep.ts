/**
 * The sweep of flow control: hands the free slots of every key with parked tasks to those tasks.
 * Slots normally pass on when an attempt ends; a slot whose holder died (SIGKILL) frees when its
 * lease runs out, with nobody to pass it on — the sweep does, twice per lock period across all
 * workers, so parked tasks never wait on a dead process. It looks at keys, not at tasks.
 */
import type { Runtime } from '../src/runtime.ts';
import type { Chore } from './maintenance.ts';

/** The chore that fills the free slots of keys with parked tasks, twice per WORKER_LOCK_MS; resolves with the ids admitted. */
export function limitSweepChore({ limiter, queues, types, config }: Runtime): Chore {
  return {
    name: 'sweep-limits',
    everyMs: Math.max(1000, Math.floor(config.workerLockMs / 2)),
    run: async () => {
      const limitedQueues = [...new Set(types.list().filter((t) => types.limits(t.name)).map((t) => t.queue))];
      const admitted: string[] = [];
      for (const scope of await limiter.parkedScopes(limitedQueues)) {
        const ids = await limiter.fill(scope);
        await queues.promote(scope.queue, ids);
        admitted.push(...ids);
      }
      return admitted;
    },
  };
}
