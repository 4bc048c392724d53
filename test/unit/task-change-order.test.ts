import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { TaskChange } from '../../src/model/task.ts';
import { TaskChangeOrder } from '../../src/events/task-change-order.ts';
import type { Task, TaskEvent } from '../../src/model/task.ts';

const LISTENING_SINCE = new Date('2026-12-01T12:00:00Z');
const NEW = new Date('2026-12-01T12:00:05Z');
const OLD = new Date('2026-12-01T11:00:00Z');

/** A change of task `id` at `version`; the ordering reads only the task's id and creation and the event's version. */
function change(id: string, version: number, createdAt = NEW): TaskChange {
  return { task: { id, createdAt } as Task, event: { version } as TaskEvent };
}

function ordering(holdMs = 1000, maxTasks?: number) {
  const sent: string[] = [];
  const order = new TaskChangeOrder({ since: LISTENING_SINCE, holdMs, maxTasks, emit: (c) => sent.push(`${c.task.id}@${c.event.version}`) });
  return { order, sent };
}

describe("a feed's order of each task's changes", () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('sends changes heard in order at once', () => {
    const { order, sent } = ordering();
    for (let v = 1; v <= 3; v++) order.accept(change('a', v));
    expect(sent).toEqual(['a@1', 'a@2', 'a@3']);
  });

  it("holds a worker's STARTED heard before the API's CREATED, then sends both in order", () => {
    const { order, sent } = ordering();
    order.accept(change('a', 2));
    order.accept(change('b', 1));
    expect(sent).toEqual(['b@1']);
    order.accept(change('a', 1));
    expect(sent).toEqual(['b@1', 'a@1', 'a@2']);
    vi.advanceTimersByTime(5000);
    expect(sent).toEqual(['b@1', 'a@1', 'a@2']);
  });

  it('puts several overtaken versions back in order', () => {
    const { order, sent } = ordering();
    for (const v of [1, 4, 3, 2, 5]) order.accept(change('a', v));
    expect(sent).toEqual(['a@1', 'a@2', 'a@3', 'a@4', 'a@5']);
  });

  it('drops a version heard twice, or heard after a newer one went out', () => {
    const { order, sent } = ordering();
    order.accept(change('a', 1));
    order.accept(change('a', 1));
    order.accept(change('a', 3));
    order.accept(change('a', 3));
    vi.advanceTimersByTime(1000);
    order.accept(change('a', 2));
    order.accept(change('a', 4));
    expect(sent).toEqual(['a@1', 'a@3', 'a@4']);
  });

  it('sends what it held, in order, once the missing version has been waited for long enough', () => {
    const { order, sent } = ordering(1000);
    order.accept(change('a', 1));
    order.accept(change('a', 4));
    order.accept(change('a', 3));
    vi.advanceTimersByTime(999);
    expect(sent).toEqual(['a@1']);
    vi.advanceTimersByTime(1);
    expect(sent).toEqual(['a@1', 'a@3', 'a@4']);
    order.accept(change('a', 5));
    expect(sent).toEqual(['a@1', 'a@3', 'a@4', 'a@5']);
  });

  it('sends the first change heard of a task created before it listened at once, whatever its version', () => {
    const { order, sent } = ordering();
    order.accept(change('old', 7, OLD));
    order.accept(change('old', 8, OLD));
    expect(sent).toEqual(['old@7', 'old@8']);
  });

  it('forgets the least recently heard tasks beyond its bound, sending what they held first', () => {
    const { order, sent } = ordering(1000, 2);
    order.accept(change('a', 2));
    order.accept(change('b', 1));
    order.accept(change('c', 1));
    expect(sent).toEqual(['b@1', 'a@2', 'c@1']);
  });

  it('sends what it holds when closed, and leaves no timer running', () => {
    const { order, sent } = ordering();
    order.accept(change('a', 3));
    order.close();
    expect(sent).toEqual(['a@3']);
    expect(vi.getTimerCount()).toBe(0);
  });
});
