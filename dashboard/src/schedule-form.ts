/**
 * The schedule form's own fields (besides the task input, see schema-form.ts): what was typed
 * turned into `ScheduleInput`, and how the list writes a timetable. Pure, so it is unit-tested
 * without a browser; the server checks the cron, the time zone and the bounds and names each bad
 * field.
 */
import type { OverlapPolicy, ScheduleInput } from './generated/graphql.ts';
import { optionKey } from './schema-form.ts';

/** The schedule's own fields, as the form holds them; their keys are `ScheduleInput`'s. */
export const SCHEDULE_FIELDS = ['name', 'cron', 'every', 'timezone', 'overlap', 'catchUpWindowMs'] as const;

/** What the form holds, as typed. */
export interface ScheduleFormValues {
  name: string;
  /** Which timetable is sent: only the chosen one (with the time zone, for a cron), so the other keeps what was typed. */
  timetable: 'cron' | 'every';
  cron: string;
  /** Milliseconds, as typed. */
  every: string;
  timezone: string;
  overlap: OverlapPolicy;
  /** Milliseconds, as typed; blank sends none (the server's default, 0). */
  catchUpWindowMs: string;
}

/** The form's starting values: a cron read in `timezone` (the reader's own, as a rule). */
export function initialScheduleForm(timezone: string): ScheduleFormValues {
  return { name: '', timetable: 'cron', cron: '', every: '', timezone, overlap: 'SKIP', catchUpWindowMs: '' };
}

/** The schedule's fields of `ScheduleInput` (all but the type and task input), or a message per field under `optionKey`. */
export function scheduleFields(values: ScheduleFormValues): { ok: true; input: Omit<ScheduleInput, 'type' | 'input'> } | { ok: false; errors: Record<string, string> } {
  const errors: Record<string, string> = {};
  const whole = (name: 'every' | 'catchUpWindowMs'): number | undefined => {
    const raw = values[name].trim();
    if (raw === '') return undefined;
    const value = Number(raw);
    if (!Number.isInteger(value)) errors[optionKey(name)] = 'Enter a whole number of milliseconds';
    return value;
  };
  const name = values.name.trim();
  if (name === '') errors[optionKey('name')] = 'Required';
  const every = values.timetable === 'every' ? whole('every') : undefined;
  if (values.timetable === 'every' && every === undefined) errors[optionKey('every')] = 'Required';
  const catchUpWindowMs = whole('catchUpWindowMs');
  if (Object.keys(errors).length > 0) return { ok: false, errors };
  return {
    ok: true,
    input: {
      name,
      // An interval ignores time zones: the server's default stands.
      ...(values.timetable === 'cron' ? { cron: values.cron.trim(), timezone: values.timezone.trim() || 'UTC' } : { every }),
      overlap: values.overlap,
      ...(catchUpWindowMs !== undefined && { catchUpWindowMs }),
    },
  };
}

/** A schedule's timetable as the list shows it: `30 2 * * * (Europe/Berlin)` or `every 1.5 s`. */
export function timetableText(schedule: { cron: string | null; every: number | null; timezone: string }): string {
  if (schedule.cron !== null) return `${schedule.cron} (${schedule.timezone})`;
  return schedule.every === null ? '—' : `every ${schedule.every / 1000} s`;
}
