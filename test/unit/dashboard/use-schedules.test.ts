// @vitest-environment happy-dom
/**
 * The schedules page's list (`useSchedules`) against an API that answers when the test says: read
 * at once, again every POLL_MS, on `refresh` and after a reconnection; an answer overtaken by a
 * newer read never replaces it.
 */
import { act, cleanup, renderHook } from '@testing-library/preact';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ApiError } from '../../../dashboard/src/api.ts';
import { SchedulesDocument, type ScheduleFieldsFragment, type TypedDocumentString } from '../../../dashboard/src/generated/graphql.ts';
import { POLL_MS, useSchedules } from '../../../dashboard/src/use-schedules.ts';

/** Let the promise callbacks an answer queued run, and the renders they cause. */
const settle = (step: () => void) =>
  act(async () => {
    step();
    await Promise.resolve();
    await Promise.resolve();
  });

const schedule = (name: string): ScheduleFieldsFragment => ({
  id: `id-${name}`,
  name,
  type: 'sleep',
  input: {},
  cron: null,
  every: 60_000,
  timezone: 'UTC',
  overlap: 'SKIP',
  catchUpWindowMs: 0,
  paused: false,
  nextRunAt: null,
  lastRunAt: null,
  createdAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-01T00:00:00.000Z',
  lastTask: null,
});

/** An API whose reads are answered when the test says so. */
class ScriptedApi {
  readonly reads: { answer(names: string[]): Promise<void>; fail(message: string): Promise<void> }[] = [];
  readonly #reconnect = new Set<() => void>();

  request<T, V>(document: TypedDocumentString<T, V>): Promise<T> {
    expect(document).toBe(SchedulesDocument);
    return new Promise<T>((resolve, reject) => {
      this.reads.push({
        answer: (names) =>
          settle(() =>
            resolve({
              schedules: { totalCount: names.length, pageInfo: { hasNextPage: false, endCursor: null }, edges: names.map((n) => ({ cursor: n, node: schedule(n) })) },
            } as T),
          ),
        fail: (message) => settle(() => reject(new ApiError([{ message }]))),
      });
    });
  }

  onReconnect(listener: () => void): () => void {
    this.#reconnect.add(listener);
    return () => this.#reconnect.delete(listener);
  }

  reconnect(): Promise<void> {
    return settle(() => {
      for (const listener of this.#reconnect) listener();
    });
  }
}

beforeEach(() => {
  vi.useFakeTimers();
});

afterEach(() => {
  cleanup();
  vi.useRealTimers();
});

describe('useSchedules', () => {
  it('reads at once, every POLL_MS, on refresh and after a reconnection', async () => {
    const api = new ScriptedApi();
    const { result } = renderHook(() => useSchedules(api));
    expect(api.reads).toHaveLength(1);
    expect(result.current.schedules).toBeUndefined();
    await api.reads[0]!.answer(['a']);
    expect(result.current.schedules?.map((s) => s.name)).toEqual(['a']);

    await act(async () => {
      await vi.advanceTimersByTimeAsync(POLL_MS - 1);
    });
    expect(api.reads).toHaveLength(1);
    await act(async () => {
      await vi.advanceTimersByTimeAsync(1);
    });
    expect(api.reads).toHaveLength(2);
    await api.reads[1]!.answer(['a', 'b']);
    expect(result.current.schedules?.map((s) => s.name)).toEqual(['a', 'b']);

    await settle(() => result.current.refresh());
    expect(api.reads).toHaveLength(3);
    await api.reconnect();
    expect(api.reads).toHaveLength(4);
  });

  it('keeps the rows through a failed read, shows its error until a read succeeds, and drops overtaken answers', async () => {
    const api = new ScriptedApi();
    const { result } = renderHook(() => useSchedules(api));
    await api.reads[0]!.answer(['a']);
    await settle(() => result.current.refresh());
    await api.reads[1]!.fail('connection lost');
    expect(result.current.error).toBe('connection lost');
    expect(result.current.schedules?.map((s) => s.name)).toEqual(['a']);

    await settle(() => result.current.refresh());
    await settle(() => result.current.refresh());
    await api.reads[3]!.answer(['a', 'c']);
    await api.reads[2]!.answer(['stale']);
    expect(result.current.schedules?.map((s) => s.name)).toEqual(['a', 'c']);
    expect(result.current.error).toBeNull();
  });
});
