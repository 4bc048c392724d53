/**
 * What the API does with schedules: create (or update by name), change, pause, resume, delete
 * and trigger them, and read them — each owner sees only its own (admins every one). A schedule
 * is checked whole before anything is stored: its timetable, and the task it will make, exactly
 * as `enqueueTask` would check that task.
 */
import { z } from 'zod';
import { actingFor, canSee, hasScope, ownerSeenBy, type Principal } from '../auth/principal.ts';
import { ForbiddenError, InvalidInputError, ScheduleNotFoundError } from '../errors.ts';
import { nextDueAfter, OVERLAP_POLICIES, timetableProblem, type Schedule, type Timetable } from '../model/schedule.ts';
import type { Task } from '../model/task.ts';
import type { ScheduleFields, SchedulePage, ScheduleStore } from '../store/schedule-store.ts';
import { parseWith } from '../tasks/registry.ts';
import type { ScheduleDeclaration } from '../tasks/schedule-declaration.ts';
import type { Scheduler } from './scheduler.ts';
import type { TaskService } from './task-service.ts';

/** The longest catch-up window: a year. */
const MAX_CATCH_UP_MS = 365 * 24 * 3600 * 1000;

/** The options of a schedule this service understands (the GraphQL input's shape). */
const scheduleOptions = z.object({
  name: z.string().min(1).max(128),
  type: z.string().min(1),
  input: z.unknown().optional(),
  cron: z.string().max(256).nullish(),
  every: z.number().int().nullish(),
  timezone: z.string().max(64).nullish(),
  overlap: z.enum(OVERLAP_POLICIES).nullish(),
  catchUpWindowMs: z.number().int().min(0).max(MAX_CATCH_UP_MS).nullish(),
  queue: z.string().nullish(),
  priority: z.number().int().nullish(),
  maxAttempts: z.number().int().nullish(),
  tags: z.array(z.string()).nullish(),
  concurrencyKey: z.string().nullish(),
});

/** What a client asks a schedule to be. */
export type ScheduleRequest = z.input<typeof scheduleOptions>;

/** A request checked whole: what the schedule is, before its timetable is applied. */
type CheckedSchedule = Omit<ScheduleFields, 'anchor' | 'nextRunAt' | 'lastRunAt' | 'lastTaskId' | 'bufferedRunAt' | 'paused' | 'updatedAt'>;

export class ScheduleService {
  readonly #schedules: ScheduleStore;
  readonly #tasks: TaskService;
  readonly #scheduler: Scheduler;

  constructor(deps: { schedules: ScheduleStore; tasks: TaskService; scheduler: Scheduler }) {
    this.#schedules = deps.schedules;
    this.#tasks = deps.tasks;
    this.#scheduler = deps.scheduler;
  }

  /**
   * Create the caller's schedule called `request.name`, or update it when it exists (so a
   * schedule declared in code and upserted at every start-up stays one schedule). A timetable
   * left as it was keeps its next due time; a changed one takes effect from its next due time.
   */
  async create(principal: Principal, request: ScheduleRequest, now = new Date()): Promise<Schedule> {
    requireWrite(principal);
    const fields = this.#check(principal, request);
    const existing = await this.#schedules.byName(principal.owner, fields.name);
    return this.#schedules.upsert(this.#applied(existing, fields, now), now);
  }

  /**
   * Upsert the schedules declared in code as `owner`'s (each worker does at start-up). A
   * declaration that is invalid throws, naming it, so a deploy with one fails at start.
   */
  async declare(owner: string, declarations: readonly ScheduleDeclaration[], now = new Date()): Promise<Schedule[]> {
    const declared: Schedule[] = [];
    for (const { type, ...declaration } of declarations) {
      try {
        declared.push(await this.create(actingFor(owner), { ...declaration, type: type.name }, now));
      } catch (error) {
        throw new Error(`schedule "${declaration.name}" declared in code: ${(error as Error).message}`, { cause: error });
      }
    }
    return declared;
  }

  /** Change schedule `id` to `request` (its name too, if free). */
  async update(principal: Principal, id: string, request: ScheduleRequest, now = new Date()): Promise<Schedule> {
    requireWrite(principal);
    const existing = await this.#existing(principal, id);
    const fields = this.#check(principal, request);
    const named = await this.#schedules.byName(existing.owner, fields.name);
    if (named && named.id !== id) throw new InvalidInputError(`input.name: a schedule called "${fields.name}" exists already`);
    const { owner: _owner, ...set } = this.#applied(existing, { ...fields, owner: existing.owner }, now);
    return (await this.#schedules.update(existing, set)) ?? this.#notFound(id);
  }

  /** Stop making runs of schedule `id` until it is resumed. */
  async pause(principal: Principal, id: string): Promise<Schedule> {
    requireWrite(principal);
    const schedule = await this.#existing(principal, id);
    return (await this.#schedules.update(schedule, { paused: true, nextRunAt: null, bufferedRunAt: null })) ?? this.#notFound(id);
  }

  /** Make runs of schedule `id` again, from its next due time (the times it was paused for are not made up). */
  async resume(principal: Principal, id: string, now = new Date()): Promise<Schedule> {
    requireWrite(principal);
    const schedule = await this.#existing(principal, id);
    if (!schedule.paused) return schedule;
    return (await this.#schedules.update(schedule, { paused: false, nextRunAt: nextDueAfter(schedule, now) })) ?? this.#notFound(id);
  }

  /** Delete schedule `id`; its past tasks stay. */
  async delete(principal: Principal, id: string): Promise<boolean> {
    requireWrite(principal);
    return this.#schedules.delete(await this.#existing(principal, id));
  }

  /** One run of schedule `id` now, outside its timetable (paused or not). */
  async trigger(principal: Principal, id: string, now = new Date()): Promise<Task> {
    requireWrite(principal);
    return this.#scheduler.trigger(await this.#existing(principal, id), now);
  }

  /** Schedule `id`, or null when unknown or not the caller's. */
  async get(principal: Principal, id: string): Promise<Schedule | null> {
    if (principal.taskIds) return null; // a task token sees its tasks and nothing else
    const schedule = await this.#schedules.get({ id, owner: ownerSeenBy(principal) });
    return schedule && canSee(principal, schedule) ? schedule : null;
  }

  /** A page of the caller's schedules (every owner's for an admin), oldest first. */
  async list(principal: Principal, first: number, after: string | null): Promise<SchedulePage> {
    if (principal.taskIds) return { schedules: [], hasNextPage: false, totalCount: 0 };
    return this.#schedules.list(principal.scopes.has('admin') ? null : principal.owner, first, after);
  }

  /** The request checked whole: the fields of the schedule it describes (timetable not yet applied). */
  #check(principal: Principal, request: ScheduleRequest): CheckedSchedule {
    const parsed = parseWith(scheduleOptions, request, 'input');
    if (!parsed.ok) throw new InvalidInputError(parsed.message, parsed.issues);
    const o = parsed.value;
    const timetable = { cron: o.cron ?? null, every: o.every ?? null, timezone: o.timezone ?? 'UTC' };
    const problem = timetableProblem(timetable);
    if (problem) throw new InvalidInputError(`input.${problem.field}: ${problem.message}`, [{ path: `input.${problem.field}`, message: problem.message }]);
    const task = { type: o.type, input: o.input ?? {}, queue: o.queue, priority: o.priority, maxAttempts: o.maxAttempts, tags: o.tags, concurrencyKey: o.concurrencyKey };
    // The task it will make, checked as enqueueTask would check it now: errors name the field.
    this.#tasks.check(principal, task, 'input');
    return {
      owner: principal.owner,
      name: o.name,
      type: o.type,
      input: task.input,
      ...timetable,
      overlap: o.overlap ?? 'SKIP',
      catchUpWindowMs: o.catchUpWindowMs ?? 0,
      queue: o.queue ?? null,
      priority: o.priority ?? null,
      maxAttempts: o.maxAttempts ?? null,
      tags: [...new Set(o.tags ?? [])],
      concurrencyKey: o.concurrencyKey ?? null,
    };
  }

  /** `fields` over `existing` (if any): the timetable's anchor and next due time kept while it is unchanged. */
  #applied(existing: Schedule | null, fields: CheckedSchedule, now: Date): ScheduleFields {
    const same = existing !== null && sameTimetable(existing, fields);
    const anchor = same ? existing.anchor : now;
    const paused = existing?.paused ?? false;
    const timetable: Timetable = { ...fields, anchor };
    return {
      ...fields,
      anchor,
      paused,
      nextRunAt: same ? existing.nextRunAt : paused ? null : nextDueAfter(timetable, now),
      lastRunAt: existing?.lastRunAt ?? null,
      lastTaskId: existing?.lastTaskId ?? null,
      bufferedRunAt: same ? existing.bufferedRunAt : null,
      updatedAt: now,
    };
  }

  async #existing(principal: Principal, id: string): Promise<Schedule> {
    return (await this.get(principal, id)) ?? this.#notFound(id);
  }

  #notFound(id: string): never {
    throw new ScheduleNotFoundError(id);
  }
}

function sameTimetable(a: Pick<Timetable, 'cron' | 'every' | 'timezone'>, b: Pick<Timetable, 'cron' | 'every' | 'timezone'>): boolean {
  return a.cron === b.cron && a.every === b.every && a.timezone === b.timezone;
}

function requireWrite(principal: Principal): void {
  if (!hasScope(principal, 'tasks:write') || principal.taskIds) throw new ForbiddenError('this needs the tasks:write scope');
}
