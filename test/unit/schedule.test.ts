import { describe, expect, it } from 'vitest';
import { dueTimesBetween, nextDueAfter, planRun, timetableProblem, type Schedule, type Timetable } from '../../src/model/schedule.ts';

const at = (iso: string) => new Date(iso);
const cron = (expr: string, timezone = 'UTC'): Timetable => ({ cron: expr, every: null, timezone, anchor: at('2026-01-01T00:00:00Z') });

/** The next `n` due times after `from`. */
function next(timetable: Timetable, from: Date, n: number): string[] {
  const times: string[] = [];
  let t: Date | null = from;
  while (times.length < n && (t = nextDueAfter(timetable, t))) times.push(t.toISOString());
  return times;
}

describe('timetables', () => {
  it.each([
    [{ cron: 'not a cron', every: null, timezone: 'UTC' }, 'cron'],
    [{ cron: '* * * * * * *', every: null, timezone: 'UTC' }, 'cron'],
    [{ cron: '* * *', every: null, timezone: 'UTC' }, 'cron'],
    [{ cron: '0 * * * *', every: null, timezone: 'Mars/Olympus' }, 'timezone'],
    [{ cron: null, every: 999, timezone: 'UTC' }, 'every'],
    [{ cron: '0 * * * *', every: 1000, timezone: 'UTC' }, 'every'],
    [{ cron: null, every: null, timezone: 'UTC' }, 'cron'],
  ])('refuses %j, naming %s', (timetable, field) => {
    expect(timetableProblem(timetable)?.field).toBe(field);
  });

  it('accepts 5- and 6-field crons, and intervals from 1000 ms', () => {
    expect(timetableProblem({ cron: '*/5 * * * *', every: null, timezone: 'Europe/Berlin' })).toBeNull();
    expect(timetableProblem({ cron: '*/10 * * * * *', every: null, timezone: 'UTC' })).toBeNull();
    expect(timetableProblem({ cron: null, every: 1000, timezone: 'UTC' })).toBeNull();
  });

  it('steps an interval from its anchor, whatever the time asked from', () => {
    const every = { cron: null, every: 1000, timezone: 'UTC', anchor: at('2026-01-01T00:00:00.250Z') };
    expect(next(every, at('2026-01-01T00:00:00.000Z'), 3)).toEqual([
      '2026-01-01T00:00:01.250Z',
      '2026-01-01T00:00:02.250Z',
      '2026-01-01T00:00:03.250Z',
    ]);
    expect(nextDueAfter(every, at('2026-01-01T00:00:02.250Z'))?.toISOString()).toBe('2026-01-01T00:00:03.250Z');
  });

  it('keeps local time across DST in Europe/Berlin: 02:30 skipped in spring runs at 03:00, the repeated one in autumn once', () => {
    const nightly = cron('30 2 * * *', 'Europe/Berlin');
    // 29 March 2026: 02:00 CET jumps to 03:00 CEST.
    expect(next(nightly, at('2026-03-27T12:00:00Z'), 3)).toEqual([
      '2026-03-28T01:30:00.000Z', // 02:30 CET
      '2026-03-29T01:00:00.000Z', // 03:00 CEST, right after the jump
      '2026-03-30T00:30:00.000Z', // 02:30 CEST
    ]);
    // 25 October 2026: 03:00 CEST falls back to 02:00 CET, so 02:30 happens twice; it runs once.
    expect(next(nightly, at('2026-10-24T12:00:00Z'), 3)).toEqual([
      '2026-10-25T00:30:00.000Z', // 02:30 CEST
      '2026-10-26T01:30:00.000Z', // 02:30 CET
      '2026-10-27T01:30:00.000Z',
    ]);
  });

  it('keeps local time across DST in America/New_York, and hourly runs stay an hour apart in UTC', () => {
    const nine = cron('0 9 * * *', 'America/New_York');
    // 8 March 2026: EST (UTC-5) becomes EDT (UTC-4).
    expect(next(nine, at('2026-03-07T00:00:00Z'), 2)).toEqual(['2026-03-07T14:00:00.000Z', '2026-03-08T13:00:00.000Z']);
    const hourly = cron('0 * * * *', 'America/New_York');
    expect(next(hourly, at('2026-03-08T06:30:00Z'), 3)).toEqual([
      '2026-03-08T07:00:00.000Z', // 02:00 EST does not exist: 03:00 EDT is 07:00Z
      '2026-03-08T08:00:00.000Z',
      '2026-03-08T09:00:00.000Z',
    ]);
  });

  it('lists due times between two instants, bounded to the newest', () => {
    const every = { cron: null, every: 1000, timezone: 'UTC', anchor: at('2026-01-01T00:00:00Z') };
    expect(dueTimesBetween(every, at('2026-01-01T00:00:01Z'), at('2026-01-01T00:00:03.5Z')).map((d) => d.toISOString())).toEqual([
      '2026-01-01T00:00:01.000Z',
      '2026-01-01T00:00:02.000Z',
      '2026-01-01T00:00:03.000Z',
    ]);
    expect(dueTimesBetween(every, at('2026-01-01T00:00:01Z'), at('2026-01-01T01:00:00Z'), 10)).toHaveLength(10);
  });
});

describe('planning a tick', () => {
  const base: Schedule = {
    id: 's',
    owner: 'o',
    name: 'n',
    type: 'echo',
    input: {},
    cron: null,
    every: 1000,
    timezone: 'UTC',
    anchor: at('2026-01-01T00:00:00Z'),
    overlap: 'ALLOW',
    catchUpWindowMs: 0,
    queue: null,
    priority: null,
    maxAttempts: null,
    tags: [],
    concurrencyKey: null,
    paused: false,
    nextRunAt: at('2026-01-01T00:00:01Z'),
    lastRunAt: null,
    lastTaskId: null,
    bufferedRunAt: null,
    createdAt: at('2026-01-01T00:00:00Z'),
    updatedAt: at('2026-01-01T00:00:00Z'),
  };
  const iso = (dates: Date[]) => dates.map((d) => d.toISOString());

  it('runs a due time seen on time, and moves on to the next', () => {
    const plan = planRun(base, at('2026-01-01T00:00:01.200Z'), 500, false);
    expect(iso(plan.fire)).toEqual(['2026-01-01T00:00:01.000Z']);
    expect(plan.nextRunAt?.toISOString()).toBe('2026-01-01T00:00:02.000Z');
  });

  it('runs nothing before the due time, and nothing while paused', () => {
    expect(planRun(base, at('2026-01-01T00:00:00.900Z'), 500, false).fire).toEqual([]);
    expect(planRun({ ...base, paused: true }, at('2026-01-01T00:00:01.100Z'), 500, false).fire).toEqual([]);
  });

  it('after downtime makes nothing up with a window of 0, and exactly the newest missed run within a window', () => {
    const back = at('2026-01-01T00:00:06.700Z'); // five due times missed
    expect(planRun(base, back, 500, false)).toMatchObject({ fire: [], nextRunAt: at('2026-01-01T00:00:07Z') });
    const caughtUp = planRun({ ...base, catchUpWindowMs: 10_000 }, back, 500, false);
    expect(iso(caughtUp.fire)).toEqual(['2026-01-01T00:00:06.000Z']);
    expect(planRun({ ...base, catchUpWindowMs: 100 }, back, 500, false).fire).toEqual([]);
  });

  it('runs every due time that is still on time when a tick comes late', () => {
    const plan = planRun(base, at('2026-01-01T00:00:02.100Z'), 3000, false);
    expect(iso(plan.fire)).toEqual(['2026-01-01T00:00:01.000Z', '2026-01-01T00:00:02.000Z']);
  });

  it('applies the overlap policy while the previous run is unfinished', () => {
    const now = at('2026-01-01T00:00:01.100Z');
    expect(planRun({ ...base, overlap: 'SKIP' }, now, 500, true).fire).toEqual([]);
    expect(planRun({ ...base, overlap: 'SKIP' }, now, 500, false).fire).toHaveLength(1);
    expect(planRun({ ...base, overlap: 'ALLOW' }, now, 500, true).fire).toHaveLength(1);
    expect(planRun({ ...base, overlap: 'BUFFER_ONE' }, now, 500, true)).toMatchObject({ fire: [], buffer: at('2026-01-01T00:00:01Z') });
    expect(planRun({ ...base, overlap: 'CANCEL_PREVIOUS' }, now, 500, true)).toMatchObject({ cancelPrevious: true, fire: [at('2026-01-01T00:00:01Z')] });
    expect(planRun({ ...base, overlap: 'CANCEL_PREVIOUS' }, now, 500, false).cancelPrevious).toBe(false);
  });
});
