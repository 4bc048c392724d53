/**
 * Schedules: what a recurring task is, when it is due, and which due times a scheduler tick
 * turns into tasks. Pure: the clock is an argument, so due times across DST changes and
 * catch-up after downtime are decided (and tested) without waiting.
 *
 * Cron expressions are parsed and stepped by croner, which handles time zones and DST (a local
 * time that a spring-forward skips fires right after the jump; one that a fall-back repeats fires
 * once); taskql only restricts them to the 5 or 6 fields of the contract.
 */
import { Cron } from 'croner';

/** What a schedule does when a run is due while its previous task is still unfinished. */
export const OVERLAP_POLICIES = ['ALLOW', 'SKIP', 'BUFFER_ONE', 'CANCEL_PREVIOUS'] as const;
export type OverlapPolicy = (typeof OVERLAP_POLICIES)[number];

/** The smallest `every` the contract allows. */
export const MIN_EVERY_MS = 1000;

/** When a schedule is due: a cron expression in a time zone, or a fixed interval from `anchor`. */
export interface Timetable {
  cron: string | null;
  every: number | null;
  timezone: string;
  /** Where `every` counts from: the schedule's creation, or the change that set its interval. */
  anchor: Date;
}

/** A schedule as stored and served. */
export interface Schedule extends Timetable {
  id: string;
  owner: string;
  name: string;
  type: string;
  input: unknown;
  overlap: OverlapPolicy;
  catchUpWindowMs: number;
  queue: string | null;
  priority: number | null;
  maxAttempts: number | null;
  tags: string[];
  concurrencyKey: string | null;
  paused: boolean;
  /** The next due time (null while paused or when a cron has no further time). */
  nextRunAt: Date | null;
  lastRunAt: Date | null;
  lastTaskId: string | null;
  /** A due time held back under BUFFER_ONE until the previous task finishes. */
  bufferedRunAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

/** Why a cron expression or time zone cannot be used, or null when it can. */
export function timetableProblem(timetable: Pick<Timetable, 'cron' | 'every' | 'timezone'>): { field: string; message: string } | null {
  const { cron, every, timezone } = timetable;
  if ((cron === null) === (every === null)) return { field: cron === null ? 'cron' : 'every', message: 'give cron or every, not both and not neither' };
  if (!isTimeZone(timezone)) return { field: 'timezone', message: `unknown time zone "${timezone}" (an IANA name such as Europe/Berlin)` };
  if (every !== null) {
    return Number.isInteger(every) && every >= MIN_EVERY_MS ? null : { field: 'every', message: `at least ${MIN_EVERY_MS} ms, got ${every}` };
  }
  const fields = cron!.trim().split(/\s+/).length;
  if (fields !== 5 && fields !== 6) return { field: 'cron', message: `5 or 6 fields, got ${fields}` };
  try {
    new Cron(cron!, { timezone, paused: true });
  } catch (error) {
    return { field: 'cron', message: `not a valid cron expression: ${(error as Error).message}` };
  }
  return null;
}

function isTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

/** The first due time strictly after `after`, or null when a cron has none left. */
export function nextDueAfter(timetable: Timetable, after: Date): Date | null {
  if (timetable.every !== null) {
    const { every } = timetable;
    const since = after.getTime() - timetable.anchor.getTime();
    const steps = since < 0 ? 1 : Math.floor(since / every) + 1;
    return new Date(timetable.anchor.getTime() + steps * every);
  }
  return new Cron(timetable.cron!, { timezone: timetable.timezone, paused: true }).nextRun(after);
}

/** The due times in `[from, to]`, oldest first; at most `limit` (the newest are kept). */
export function dueTimesBetween(timetable: Timetable, from: Date, to: Date, limit = 1000): Date[] {
  const times: Date[] = [];
  for (let t: Date | null = from; t !== null && t <= to; t = nextDueAfter(timetable, t)) {
    times.push(t);
    if (times.length > limit) times.shift();
  }
  return times;
}

/** What a scheduler tick does with one schedule. */
export interface RunPlan {
  /** Due times to make tasks for now, oldest first. */
  fire: Date[];
  /** The due time to hold back (BUFFER_ONE while the previous task runs), or null. */
  buffer: Date | null;
  /** Whether the previous, unfinished task is to be cancelled first (CANCEL_PREVIOUS). */
  cancelPrevious: boolean;
  /** The schedule's next due time after this tick. */
  nextRunAt: Date | null;
}

/**
 * Plan a tick at `now` for a schedule whose `nextRunAt` has come.
 *
 * A due time the scheduler sees at most `latenessMs` after it is on time and runs; an older one
 * was missed (no scheduler ran then): of the missed times, only the newest runs, and only when it
 * is younger than the schedule's `catchUpWindowMs`. Then the overlap policy decides, given whether
 * the previous task is still unfinished.
 *
 * @param previousRunning whether the schedule's last task has not reached a final state
 */
export function planRun(schedule: Schedule, now: Date, latenessMs: number, previousRunning: boolean): RunPlan {
  const nextRunAt = nextDueAfter(schedule, now);
  if (schedule.paused || schedule.nextRunAt === null || schedule.nextRunAt > now) {
    return { fire: [], buffer: null, cancelPrevious: false, nextRunAt: schedule.nextRunAt };
  }
  const due = dueTimesBetween(schedule, schedule.nextRunAt, now);
  const onTime = due.filter((t) => now.getTime() - t.getTime() <= latenessMs);
  const newest = due.at(-1);
  const caughtUp = newest && now.getTime() - newest.getTime() <= schedule.catchUpWindowMs ? [newest] : [];
  const runs = onTime.length > 0 ? onTime : caughtUp;
  if (runs.length === 0) return { fire: [], buffer: null, cancelPrevious: false, nextRunAt };
  switch (schedule.overlap) {
    case 'ALLOW':
      return { fire: runs, buffer: null, cancelPrevious: false, nextRunAt };
    case 'SKIP':
      return { fire: previousRunning ? [] : runs.slice(-1), buffer: null, cancelPrevious: false, nextRunAt };
    case 'CANCEL_PREVIOUS':
      return { fire: runs.slice(-1), buffer: null, cancelPrevious: previousRunning, nextRunAt };
    case 'BUFFER_ONE':
      return previousRunning
        ? { fire: [], buffer: runs.at(-1)!, cancelPrevious: false, nextRunAt }
        : { fire: runs.slice(-1), buffer: null, cancelPrevious: false, nextRunAt };
  }
}

/** The idempotency key of a schedule's task for one due time: one task per due time, however many schedulers try. */
export function scheduledRunKey(scheduleId: string, due: Date): string {
  return `schedule:${scheduleId}:${due.toISOString()}`;
}
