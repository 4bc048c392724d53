/** The task timeline: events in version order, with a note where superseded progress is missing. */
import { describe, expect, it } from 'vitest';
import { gapLabel, timelineEntries } from '../../dashboard/src/timeline.ts';

const at = (...versions: number[]) => versions.map((version) => ({ version }));

describe('timelineEntries', () => {
  it('notes the versions a replayed log leaves out', () => {
    expect(timelineEntries(at(1, 2, 14, 15))).toEqual([
      { kind: 'event', event: { version: 1 } },
      { kind: 'event', event: { version: 2 } },
      { kind: 'gap', from: 3, to: 13 },
      { kind: 'event', event: { version: 14 } },
      { kind: 'event', event: { version: 15 } },
    ]);
  });

  it('sorts events, and notes a gap before the first one and a one-version gap', () => {
    expect(timelineEntries(at(4, 2))).toEqual([
      { kind: 'gap', from: 1, to: 1 },
      { kind: 'event', event: { version: 2 } },
      { kind: 'gap', from: 3, to: 3 },
      { kind: 'event', event: { version: 4 } },
    ]);
  });

  it('adds nothing to a complete log', () => {
    expect(timelineEntries(at(1, 2, 3)).map((e) => e.kind)).toEqual(['event', 'event', 'event']);
    expect(timelineEntries([])).toEqual([]);
  });
});

describe('gapLabel', () => {
  it('names a range of versions, or one', () => {
    expect(gapLabel({ from: 3, to: 13 })).toBe('v3–v13');
    expect(gapLabel({ from: 3, to: 3 })).toBe('v3');
  });
});
