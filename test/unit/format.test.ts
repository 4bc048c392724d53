/** How the dashboard writes durations: final once finished, counting while running. */
import { describe, expect, it } from 'vitest';
import { durationText, formatDuration } from '../../dashboard/src/format.ts';
import type { TaskState } from '../../dashboard/src/generated/graphql.ts';

const started = '2026-01-01T00:00:00.000Z';
const task = (state: TaskState, finishedAt: string | null = null, startedAt: string | null = started) => ({ state, startedAt, finishedAt });
const after = (ms: number) => Date.parse(started) + ms;

describe('durationText', () => {
  it('counts a running task up to now', () => {
    expect(durationText(task('RUNNING'), after(250))).toBe('250 ms so far');
    expect(durationText(task('RUNNING'), after(3_400))).toBe('3.4 s so far');
    expect(durationText(task('RUNNING'), after(125_000))).toBe('2 min 5 s so far');
  });

  it('gives a finished task its final duration, whatever now is', () => {
    expect(durationText(task('SUCCEEDED', '2026-01-01T00:00:02.000Z'), after(999_999))).toBe('2.0 s');
    expect(durationText(task('FAILED', '2026-01-01T00:00:00.040Z'), after(5))).toBe('40 ms');
  });

  it('says nothing before a task started or while it waits for its next attempt', () => {
    expect(durationText(task('PENDING', null, null), after(1_000))).toBe('—');
    expect(durationText(task('RETRYING'), after(1_000))).toBe('—');
  });
});

describe('formatDuration', () => {
  it('is as precise as a glance needs', () => {
    expect(formatDuration(-5)).toBe('0 ms');
    expect(formatDuration(12_345)).toBe('12 s');
    expect(formatDuration(7_500_000)).toBe('2 h 5 min');
  });
});
