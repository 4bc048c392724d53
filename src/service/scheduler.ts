/**
 * The scheduler tick: turns the due times of schedules into tasks. Workers run a tick once per
 * SCHEDULE_TICK_MS across the fleet (a maintenance chore), but nothing here relies on that: two
 * ticks at once make no second task for a due time, because each run is enqueued with the
 * idempotency key of its schedule and due time (`scheduledRunKey`), which the tasks' unique
 * index holds — atomically on every server, FerretDB included.
 */
import { actingFor } from '../auth/principal.ts';
import type { Logger } from '../logger.ts';
import { planRun, scheduledRunKey, type Schedule } from '../model/schedule.ts';
import { isFinalState, type Task } from '../model/task.ts';
import type { ScheduleStore } from '../store/schedule-store.ts';
import type { TaskStore } from '../store/task-store.ts';
import type { TaskService } from './task-service.ts';

/** Schedules one tick looks at; the rest wait for the next tick. */
const SCHEDULES_PER_TICK = 200;

/** Settings of the scheduler from configuration. */
export interface SchedulerSettings {
  /** How late a due time may be seen and still count as on time (see `planRun`). */
  latenessMs: number;
}

export class Scheduler {
  readonly #schedules: ScheduleStore;
  readonly #tasks: TaskService;
  readonly #store: TaskStore;
  readonly #logger: Logger;
  readonly #settings: SchedulerSettings;

  constructor(deps: { schedules: ScheduleStore; tasks: TaskService; store: TaskStore; logger: Logger; settings: SchedulerSettings }) {
    this.#schedules = deps.schedules;
    this.#tasks = deps.tasks;
    this.#store = deps.store;
    this.#logger = deps.logger;
    this.#settings = deps.settings;
  }

  /** Make the tasks due at `now`; how many were made. A schedule that fails is logged and retried next tick. */
  async tick(now = new Date()): Promise<number> {
    let made = 0;
    for (const schedule of await this.#schedules.due(now, SCHEDULES_PER_TICK)) {
      try {
        made += await this.#run(schedule, now);
      } catch (err) {
        this.#logger.warn({ err, scheduleId: schedule.id }, 'could not run a schedule; trying again next tick');
      }
    }
    return made;
  }

  /**
   * One run outside the timetable (`triggerSchedule`): a task now, recorded as the schedule's
   * latest, whatever its overlap policy.
   */
  async trigger(schedule: Schedule, now = new Date()): Promise<Task> {
    const task = await this.#make(schedule, null);
    await this.#schedules.update(schedule, { lastRunAt: now, lastTaskId: task.id });
    return task;
  }

  async #run(schedule: Schedule, now: Date): Promise<number> {
    const previous = schedule.lastTaskId === null ? null : await this.#store.get({ id: schedule.lastTaskId, owner: schedule.owner });
    let running = previous !== null && !isFinalState(previous.state);
    let last: { at: Date; task: Task } | null = null;
    let made = 0;
    let buffered = schedule.bufferedRunAt;
    // A run held back under BUFFER_ONE starts once the task before it has finished.
    if (buffered !== null && !running) {
      last = { at: buffered, task: await this.#make(schedule, buffered) };
      made++;
      buffered = null;
      running = !isFinalState(last.task.state);
    }
    const plan = planRun(schedule, now, this.#settings.latenessMs, running);
    if (plan.cancelPrevious && previous) {
      const reason = `superseded: schedule "${schedule.name}" started its run due ${plan.fire.at(-1)!.toISOString()} (CANCEL_PREVIOUS)`;
      // Not awaited: a running task stops through its worker, which may take its grace period;
      // the new run need not wait for that.
      this.#tasks.cancel(actingFor(schedule.owner), previous.id, reason).catch((err: unknown) => {
        this.#logger.warn({ err, scheduleId: schedule.id, taskId: previous.id }, 'could not cancel the previous run');
      });
    }
    for (const due of plan.fire) {
      last = { at: due, task: await this.#make(schedule, due) };
      made++;
    }
    await this.#schedules.advance(schedule, schedule.nextRunAt, {
      nextRunAt: plan.nextRunAt,
      // BUFFER_ONE keeps one held-back run: the first, until it starts.
      bufferedRunAt: buffered ?? plan.buffer,
      ...(last && { lastRunAt: last.at, lastTaskId: last.task.id }),
    });
    return made;
  }

  /** Enqueue the run due at `due` (or a triggered one, when null) as the schedule's owner. */
  async #make(schedule: Schedule, due: Date | null): Promise<Task> {
    const { task } = await this.#tasks.enqueue(
      actingFor(schedule.owner),
      {
        type: schedule.type,
        input: schedule.input,
        queue: schedule.queue,
        priority: schedule.priority,
        maxAttempts: schedule.maxAttempts,
        tags: schedule.tags,
        concurrencyKey: schedule.concurrencyKey,
        idempotencyKey: due && scheduledRunKey(schedule.id, due),
      },
      { scheduleId: schedule.id },
    );
    return task;
  }
}
