/** The dashboard's live task table: a page of `tasks` with `taskFeed` events applied. */
import { describe, expect, it } from 'vitest';
import type { TaskRowFieldsFragment } from '../../dashboard/src/generated/graphql.ts';
import { applyEvent, type TaskRows } from '../../dashboard/src/task-rows.ts';
import { taskRow } from '../support/task-row.ts';

const event = (task: TaskRowFieldsFragment) => ({ taskId: task.id, version: task.version, task });
const page = (rows: TaskRowFieldsFragment[], firstPage = true, pageSize = 3): TaskRows => ({ rows, totalCount: rows.length, firstPage, pageSize });

describe('applyEvent', () => {
  const a = taskRow('a', '2026-01-01T00:00:03Z');
  const b = taskRow('b', '2026-01-01T00:00:02Z');
  const c = taskRow('c', '2026-01-01T00:00:01Z');

  it('updates a row in place with a newer version, and ignores an older or equal one', () => {
    const running = { ...b, state: 'RUNNING' as const, version: 2, progress: { percent: 40, message: null } };
    const updated = applyEvent(page([a, b, c]), event(running), []);
    expect(updated.rows).toEqual([a, running, c]);
    expect(applyEvent(updated, event(b), [])).toBe(updated);
  });

  it('puts a new task where newest-first puts it on the first page, keeping the page size', () => {
    const d = taskRow('d', '2026-01-01T00:00:04Z');
    const next = applyEvent(page([a, b, c]), event(d), []);
    expect(next.rows.map((r) => r.id)).toEqual(['d', 'a', 'b']);
    expect(next.totalCount).toBe(4);
  });

  it('leaves later pages as they are when tasks are created', () => {
    const d = taskRow('d', '2026-01-01T00:00:04Z');
    const later = page([a, b], false);
    expect(applyEvent(later, event(d), [])).toBe(later);
  });

  it("drops a row whose task leaves the table's state filter, and ignores tasks outside it", () => {
    const running = page([{ ...a, state: 'RUNNING' }], true);
    const done = applyEvent(running, event({ ...a, state: 'SUCCEEDED', version: 2 }), ['RUNNING']);
    expect(done.rows).toEqual([]);
    expect(done.totalCount).toBe(0);
    expect(applyEvent(done, event(taskRow('e', '2026-01-01T00:00:09Z', 'PENDING')), ['RUNNING'])).toBe(done);
  });
});
