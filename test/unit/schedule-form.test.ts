/** The schedule form's own fields turned into ScheduleInput, and timetables as the list writes them. */
import { describe, expect, it } from 'vitest';
import { initialScheduleForm, scheduleFields, timetableText, type ScheduleFormValues } from '../../dashboard/src/schedule-form.ts';

const form = (values: Partial<ScheduleFormValues>): ScheduleFormValues => ({ ...initialScheduleForm('Europe/Berlin'), name: 'nightly', ...values });

describe('scheduleFields', () => {
  it('sends a cron with its time zone, and leaves a blank catch-up window to the server', () => {
    expect(scheduleFields(form({ cron: ' 30 2 * * * ', overlap: 'BUFFER_ONE' }))).toEqual({
      ok: true,
      input: { name: 'nightly', cron: '30 2 * * *', timezone: 'Europe/Berlin', overlap: 'BUFFER_ONE' },
    });
  });

  it('sends only the chosen timetable: an interval without the cron typed before, nor a time zone', () => {
    expect(scheduleFields(form({ timetable: 'every', cron: '30 2 * * *', every: '60000', catchUpWindowMs: '0' }))).toEqual({
      ok: true,
      input: { name: 'nightly', every: 60_000, overlap: 'SKIP', catchUpWindowMs: 0 },
    });
  });

  it('leaves the cron itself to the server, which names what is wrong with it', () => {
    expect(scheduleFields(form({ cron: '' }))).toMatchObject({ ok: true, input: { cron: '' } });
  });

  it('names each field it cannot read', () => {
    expect(scheduleFields(form({ name: ' ', timetable: 'every', every: '', catchUpWindowMs: '1.5' }))).toEqual({
      ok: false,
      errors: { 'option:name': 'Required', 'option:every': 'Required', 'option:catchUpWindowMs': 'Enter a whole number of milliseconds' },
    });
    expect(scheduleFields(form({ timetable: 'every', every: 'soon' }))).toEqual({ ok: false, errors: { 'option:every': 'Enter a whole number of milliseconds' } });
  });
});

describe('timetableText', () => {
  it('writes a cron with its time zone, and an interval in seconds', () => {
    expect(timetableText({ cron: '30 2 * * *', every: null, timezone: 'Europe/Berlin' })).toBe('30 2 * * * (Europe/Berlin)');
    expect(timetableText({ cron: null, every: 90_000, timezone: 'UTC' })).toBe('every 90 s');
    expect(timetableText({ cron: null, every: 1_500, timezone: 'UTC' })).toBe('every 1.5 s');
  });
});
