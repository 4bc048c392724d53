/**
 * A task's timeline as shown: its recorded events in version order, with a note where versions
 * jump. taskql keeps only the newest of an attempt's PROGRESS events once a later one arrives
 * (the contract lets replay leave superseded progress out), so a replayed log can read v1, v2,
 * v14: the note says what v3–v13 were instead of leaving the reader to guess. Pure.
 */

/** One line of the timeline: an event, or the versions between two events that are not kept. */
export type TimelineEntry<E extends { version: number }> = { kind: 'event'; event: E } | { kind: 'gap'; from: number; to: number };

/** `events` (any order, no duplicates) with a gap entry wherever versions are missing. */
export function timelineEntries<E extends { version: number }>(events: readonly E[]): TimelineEntry<E>[] {
  const entries: TimelineEntry<E>[] = [];
  let expected = 1;
  for (const event of [...events].sort((a, b) => a.version - b.version)) {
    if (event.version > expected) entries.push({ kind: 'gap', from: expected, to: event.version - 1 });
    entries.push({ kind: 'event', event });
    expected = event.version + 1;
  }
  return entries;
}

/** What a gap says: `v3–v13` or `v3`. */
export function gapLabel(gap: { from: number; to: number }): string {
  return gap.from === gap.to ? `v${gap.from}` : `v${gap.from}–v${gap.to}`;
}
