import { describe, expect, it } from 'vitest';
import { createTask } from '../../src/model/state-machine.ts';
import { matchesFilter } from '../../src/model/task-filter.ts';
import { InvalidInputError } from '../../src/errors.ts';
import { decodeCursor, encodeCursor, filterQuery, LIST_INDEXES, sortOf, TASK_ORDERS } from '../../src/store/task-query.ts';

const now = new Date('2026-11-23T10:00:00.000Z');
const task = (over: { type?: string; queue?: string; tags?: string[]; runAt?: Date | null } = {}) =>
  createTask(
    {
      id: 'a',
      type: over.type ?? 'echo',
      queue: over.queue ?? 'default',
      input: {},
      maxAttempts: 1,
      priority: 0,
      tags: over.tags ?? ['x', 'y'],
      idempotencyKey: null,
      owner: 'o',
      runAt: over.runAt ?? null,
      resultTtlSeconds: 0,
    },
    new Date(now.getTime() - 1000),
  ).task;

describe('task filters', () => {
  it('match on every part that is set, tags meaning all of them', () => {
    expect(matchesFilter(task(), {}, now)).toBe(true);
    expect(matchesFilter(task(), { types: ['echo', 'sleep'], queues: ['default'], tags: ['x'] }, now)).toBe(true);
    expect(matchesFilter(task(), { tags: ['x', 'z'] }, now)).toBe(false);
    expect(matchesFilter(task(), { types: ['sleep'] }, now)).toBe(false);
    expect(matchesFilter(task(), { createdAfter: now }, now)).toBe(false);
    expect(matchesFilter(task(), { createdBefore: now }, now)).toBe(true);
  });

  it('see a due SCHEDULED task as PENDING, as clients do', () => {
    const due = task({ runAt: new Date(now.getTime() - 1) }); // scheduled when created, due by now
    expect(due.state).toBe('SCHEDULED');
    expect(matchesFilter(due, { states: ['PENDING'] }, now)).toBe(true);
    expect(matchesFilter(due, { states: ['SCHEDULED'] }, now)).toBe(false);
    const later = task({ runAt: new Date(now.getTime() + 60_000) });
    expect(matchesFilter(later, { states: ['SCHEDULED'] }, now)).toBe(true);
    expect(matchesFilter(later, { states: ['PENDING'] }, new Date(now.getTime() + 60_000))).toBe(true);
  });

  it('become MongoDB queries that leave expired tasks out', () => {
    expect(filterQuery({ types: ['echo'], tags: ['x'] }, now)).toEqual({
      $and: [{ $or: [{ expiresAt: null }, { expiresAt: { $gt: now } }] }, { type: { $in: ['echo'] } }, { tags: { $all: ['x'] } }],
    });
  });
});

describe('list indexes', () => {
  // FerretDB cannot show index use (it plans nothing with them), so the shapes are checked here:
  // every filterable field leads an index followed by the default order, and every order has
  // an index of its own for unfiltered lists.
  it('lead with each filterable field, then creation time and _id', () => {
    for (const field of ['state', 'type', 'queue', 'tags']) {
      expect(LIST_INDEXES.map((i) => Object.keys(i.key))).toContainEqual([field, 'createdAt', '_id']);
    }
  });

  it('serve every order of an unfiltered list', () => {
    for (const order of TASK_ORDERS) {
      const [field] = Object.keys(sortOf(order));
      expect(LIST_INDEXES.some((i) => Object.keys(i.key)[0] === field)).toBe(true);
    }
  });
});

describe('cursors', () => {
  it('round-trip and belong to one order', () => {
    const t = task();
    expect(decodeCursor('CREATED_AT_DESC', encodeCursor('CREATED_AT_DESC', t))).toEqual({ value: t.createdAt, id: t.id });
    expect(() => decodeCursor('CREATED_AT_ASC', encodeCursor('CREATED_AT_DESC', t))).toThrow(InvalidInputError);
    expect(() => decodeCursor('CREATED_AT_DESC', 'garbage')).toThrow(InvalidInputError);
  });
});
