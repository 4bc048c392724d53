/**
 * The task table's live page as a hook: one page of `tasks` for the filters and cursor, kept
 * current by a `taskFeed` subscription for the same filters, read again after a reconnection
 * (the feed has no replay). The row logic is `applyEvent` (task-rows.ts); this is its I/O.
 */
import { useEffect, useState } from 'preact/hooks';
import type { Api, ApiError } from './api.ts';
import { TaskFeedDocument, TasksDocument, type TaskFilter, type TaskState } from './generated/graphql.ts';
import { applyEvent, type RowEvent, type TaskRows } from './task-rows.ts';

/** What the table's filter form holds; blank means any. */
export interface Filters {
  state: TaskState | '';
  type: string;
  queue: string;
  tag: string;
}

/** The part of `Api` the hook uses, so that tests can hand it their own. */
export type LivePageApi = Pick<Api, 'subscribe' | 'request' | 'onReconnect'>;

/** One page as read, with where the next one starts. */
export interface LivePage extends TaskRows {
  endCursor: string | null;
  hasNextPage: boolean;
}

/** What the table shows. */
export interface LivePageState {
  /** The newest page read; undefined until the first arrives. */
  page: LivePage | undefined;
  /**
   * Whether `page` was read for other filters or another cursor than the current ones, or before
   * a reconnection: until the page for the current ones arrives, the old one stays on screen
   * marked busy rather than passing for the new one.
   */
  stale: boolean;
  /** The last error a read or the feed answered, until a read succeeds. */
  error: string | null;
}

/**
 * The page of `pageSize` tasks after `after` (null: the first page) that match `filters`, live.
 * `filters` is compared by identity: pass the same object until the filters change.
 */
export function useLivePage(api: LivePageApi, filters: Filters, after: string | null, pageSize: number): LivePageState {
  const [reads, setReads] = useState(0);
  // Each page carries the key of what it was read for, to tell a stale page from a current one.
  const [page, setPage] = useState<LivePage & { key: string }>();
  const [error, setError] = useState<string | null>(null);
  const key = JSON.stringify([filters, after, pageSize, reads]);

  useEffect(() => api.onReconnect(() => setReads((n) => n + 1)), [api]);

  useEffect(() => {
    const states = filters.state ? [filters.state] : [];
    // The feed is not filtered by state: see task-rows.ts.
    const feedFilter: TaskFilter = {
      ...(filters.type && { types: [filters.type] }),
      ...(filters.queue && { queues: [filters.queue] }),
      ...(filters.tag && { tags: [filters.tag] }),
    };
    // Events that arrive before the page are kept and applied to it, so none falls between.
    let early: RowEvent[] | null = [];
    // Once the filters change, an answer still on its way belongs to the old ones.
    let current = true;
    const stop = api.subscribe(
      TaskFeedDocument,
      { filter: feedFilter },
      {
        next: ({ taskFeed }) => {
          if (early) early.push(taskFeed);
          else setPage((shown) => shown && { ...shown, ...applyEvent(shown, taskFeed, states) });
        },
        error: (e) => setError(e.message),
      },
    );
    api
      .request(TasksDocument, { filter: { ...feedFilter, ...(states.length > 0 && { states }) }, first: pageSize, after })
      .then(({ tasks }) => {
        if (!current) return;
        let rows: TaskRows = { rows: tasks.edges.map((e) => e.node), totalCount: tasks.totalCount, firstPage: after === null, pageSize };
        for (const event of early ?? []) rows = applyEvent(rows, event, states);
        early = null;
        setError(null);
        setPage({ ...rows, endCursor: tasks.pageInfo.endCursor, hasNextPage: tasks.pageInfo.hasNextPage, key });
      })
      .catch((e: ApiError) => current && setError(e.message));
    return () => {
      current = false;
      stop();
    };
  }, [api, filters, after, pageSize, key]);

  return { page, stale: page?.key !== key, error };
}
