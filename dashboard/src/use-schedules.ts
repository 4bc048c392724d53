/**
 * The schedules page's list as a hook: the caller's schedules, read again after each action, after
 * a reconnection, and every `POLL_MS`. Schedules have no subscription, and what changes on its own
 * (a run made at a due time, its task's state, the next due time) is cheap to read again: one
 * light query every few seconds while the page is open.
 */
import { useCallback, useEffect, useState } from 'preact/hooks';
import type { Api, ApiError } from './api.ts';
import { SchedulesDocument, type ScheduleFieldsFragment } from './generated/graphql.ts';

/** How often the open page reads the list again. */
export const POLL_MS = 3_000;

/** How many schedules the page lists (the oldest first, as `schedules` returns them). */
export const LIST_SIZE = 100;

/** What the page shows, and how it asks for a fresh read. */
export interface SchedulesState {
  /** Undefined until the first read arrives. */
  schedules: ScheduleFieldsFragment[] | undefined;
  totalCount: number;
  /** The last read's error, until a read succeeds. */
  error: string | null;
  /** Read the list now (after an action). */
  refresh: () => void;
}

/** The caller's schedules, kept current (see the module's comment). */
export function useSchedules(api: Pick<Api, 'request' | 'onReconnect'>): SchedulesState {
  const [reads, setReads] = useState(0);
  const [list, setList] = useState<{ schedules: ScheduleFieldsFragment[]; totalCount: number }>();
  const [error, setError] = useState<string | null>(null);
  const refresh = useCallback(() => setReads((n) => n + 1), []);

  useEffect(() => api.onReconnect(refresh), [api, refresh]);
  useEffect(() => {
    const timer = setInterval(refresh, POLL_MS);
    return () => clearInterval(timer);
  }, [refresh]);

  useEffect(() => {
    // A read overtaken by a newer one must not put older rows back on screen.
    let current = true;
    api.request(SchedulesDocument, { first: LIST_SIZE }).then(
      ({ schedules }) => {
        if (!current) return;
        setError(null);
        setList({ schedules: schedules.edges.map((e) => e.node), totalCount: schedules.totalCount });
      },
      (e: ApiError) => current && setError(e.message),
    );
    return () => {
      current = false;
    };
  }, [api, reads]);

  return { schedules: list?.schedules, totalCount: list?.totalCount ?? 0, error, refresh };
}
