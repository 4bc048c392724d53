/**
 * Schedules declared in code, beside their task type, as Celery beat's `beat_schedule` is: every
 * worker upserts them by name at start-up (`ScheduleService.declare`), so any number of workers
 * and deploys keep one schedule each, and a changed declaration takes effect from its next due
 * time. They belong to SCHEDULE_OWNER; removing one from the code does not delete it
 * (`deleteSchedule` does).
 */
import type { OverlapPolicy } from '../model/schedule.ts';
import type { AnyTaskType } from './task-type.ts';

/** A schedule as code declares it: `ScheduleInput`'s fields, with the type itself for its name. */
export interface ScheduleDeclaration {
  name: string;
  type: AnyTaskType;
  input?: unknown;
  /** 5- or 6-field cron; or `every`, not both. */
  cron?: string;
  /** Milliseconds between runs, at least 1000. */
  every?: number;
  /** IANA name the cron is read in (default UTC). */
  timezone?: string;
  overlap?: OverlapPolicy;
  catchUpWindowMs?: number;
  queue?: string;
  priority?: number;
  maxAttempts?: number;
  tags?: string[];
}
