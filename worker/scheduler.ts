/**
 * The scheduler tick as a housekeeping chore: once per SCHEDULE_TICK_MS across every worker, the
 * due times of schedules become tasks (`src/service/scheduler.ts`). Should two ticks overlap (a
 * slow one and the next), they still make one task per due time.
 */
import type { Runtime } from '../src/runtime.ts';
import type { Chore } from './maintenance.ts';

/** The chore that runs due schedules. */
export function schedulerChore({ scheduler, config }: Runtime): Chore {
  return { name: 'run-due-schedules', everyMs: config.scheduleTickMs, run: () => scheduler.tick() };
}
