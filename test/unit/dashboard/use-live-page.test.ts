// @vitest-environment happy-dom
/**
 * The task table's live page (`useLivePage`) against an API that answers when the test says:
 * which page is read and which feed is subscribed, what is shown while an answer is on its way,
 * and that no answer or event is lost or shown for the wrong filters.
 */
import { act, cleanup, renderHook } from '@testing-library/preact';
import { afterEach, describe, expect, it } from 'vitest';
import { taskRow } from '../../support/task-row.ts';
import type { SubscriptionHandlers } from '../../../dashboard/src/api.ts';
import { ApiError } from '../../../dashboard/src/api.ts';
import {
  TaskFeedDocument,
  TasksDocument,
  type TaskFeedSubscription,
  type TaskFeedSubscriptionVariables,
  type TaskRowFieldsFragment,
  type TasksQuery,
  type TasksQueryVariables,
  type TaskState,
  type TypedDocumentString,
} from '../../../dashboard/src/generated/graphql.ts';
import { useLivePage, type Filters, type LivePageApi } from '../../../dashboard/src/use-live-page.ts';

/**
 * Run `step` and let what it started finish: the promise callbacks it queued (all of them run
 * before a timer's callback does) and the renders they cause.
 */
function settle(step: () => void): Promise<void> {
  return act(async () => {
    step();
    await new Promise((resolve) => setTimeout(resolve, 0));
  });
}

interface Read {
  variables: TasksQueryVariables;
  answer(tasks: TaskRowFieldsFragment[], more?: { totalCount?: number; endCursor?: string; hasNextPage?: boolean }): Promise<void>;
  fail(message: string): Promise<void>;
}

interface Feed {
  variables: TaskFeedSubscriptionVariables;
  stopped: boolean;
  send(task: TaskRowFieldsFragment): Promise<void>;
}

/** An API whose reads are answered, and whose feeds deliver, when the test says so. */
class ScriptedApi implements LivePageApi {
  readonly reads: Read[] = [];
  readonly feeds: Feed[] = [];
  readonly #reconnectListeners = new Set<() => void>();

  request<T, V>(document: TypedDocumentString<T, V>, variables: V): Promise<T> {
    expect(document).toBe(TasksDocument);
    return new Promise<TasksQuery>((resolve, reject) => {
      this.reads.push({
        variables: variables as TasksQueryVariables,
        answer: (tasks, more = {}) =>
          settle(() =>
            resolve({
              tasks: {
                totalCount: more.totalCount ?? tasks.length,
                pageInfo: { hasNextPage: more.hasNextPage ?? false, hasPreviousPage: false, startCursor: null, endCursor: more.endCursor ?? null },
                edges: tasks.map((node) => ({ cursor: node.id, node })),
              },
            }),
          ),
        fail: (message) => settle(() => reject(new ApiError([{ message }]))),
      });
    }) as Promise<T>;
  }

  subscribe<T, V>(document: TypedDocumentString<T, V>, variables: V, handlers: SubscriptionHandlers<T>): () => void {
    expect(document).toBe(TaskFeedDocument);
    const feedHandlers = handlers as unknown as SubscriptionHandlers<TaskFeedSubscription>;
    const feed: Feed = {
      variables: variables as TaskFeedSubscriptionVariables,
      stopped: false,
      send: (task) =>
        act(() => {
          if (!feed.stopped) feedHandlers.next({ taskFeed: { taskId: task.id, version: task.version, type: 'PROGRESS', state: task.state, task } });
        }),
    };
    this.feeds.push(feed);
    return () => {
      feed.stopped = true;
    };
  }

  onReconnect(listener: () => void): () => void {
    this.#reconnectListeners.add(listener);
    return () => this.#reconnectListeners.delete(listener);
  }

  reconnect(): Promise<void> {
    return act(() => {
      for (const listener of this.#reconnectListeners) listener();
    });
  }
}

/** A row whose creation time orders rows by the length of their id. */
function task(id: string, state: TaskState = 'PENDING', version = 1): TaskRowFieldsFragment {
  return taskRow(id, `2026-01-01T00:00:0${id.length}Z`, state, version);
}

const ANY: Filters = { state: '', type: '', queue: '', tag: '' };

/** The hook with props the test changes; `filters` keeps its identity until changed, as the table's state does. */
function render(api: ScriptedApi, filters: Filters = ANY, after: string | null = null) {
  return renderHook((props: { filters: Filters; after: string | null }) => useLivePage(api, props.filters, props.after, 2), { initialProps: { filters, after } });
}

const ids = (rows: readonly TaskRowFieldsFragment[] | undefined) => rows?.map((r) => r.id);

afterEach(cleanup);

describe('useLivePage', () => {
  it('reads the page for the filters, feeds it without the state filter, and is stale until the page arrives', async () => {
    const api = new ScriptedApi();
    const { result } = render(api, { state: 'RUNNING', type: 'sleep', queue: 'default', tag: 'nightly' });
    expect(api.reads.map((r) => r.variables)).toEqual([
      { filter: { types: ['sleep'], queues: ['default'], tags: ['nightly'], states: ['RUNNING'] }, first: 2, after: null },
    ]);
    expect(api.feeds.map((f) => f.variables)).toEqual([{ filter: { types: ['sleep'], queues: ['default'], tags: ['nightly'] } }]);
    expect(result.current).toEqual({ page: undefined, stale: true, error: null });

    await api.reads[0]!.answer([task('a', 'RUNNING')], { totalCount: 5, endCursor: 'a', hasNextPage: true });
    expect(result.current.stale).toBe(false);
    expect(result.current.page).toMatchObject({ totalCount: 5, endCursor: 'a', hasNextPage: true, firstPage: true });
    expect(ids(result.current.page?.rows)).toEqual(['a']);
  });

  it('applies the events that arrive before the page to it, and every later one as it comes', async () => {
    const api = new ScriptedApi();
    const { result } = render(api);
    const feed = api.feeds[0]!;
    // Created while the page was being read: the page (read earlier) does not have it yet.
    await feed.send(task('bb'));
    await api.reads[0]!.answer([task('a')]);
    expect(ids(result.current.page?.rows)).toEqual(['bb', 'a']);
    expect(result.current.page?.totalCount).toBe(2);

    await feed.send(task('a', 'RUNNING', 2));
    expect(result.current.page?.rows.find((r) => r.id === 'a')?.state).toBe('RUNNING');
  });

  it('keeps the old page, marked stale, until the page for new filters arrives, and ignores an answer for the old ones', async () => {
    const api = new ScriptedApi();
    const { result, rerender } = render(api);
    await api.reads[0]!.answer([task('a')]);

    rerender({ filters: { ...ANY, state: 'FAILED' }, after: null });
    expect(api.feeds[0]!.stopped).toBe(true);
    expect(result.current.stale).toBe(true);
    expect(ids(result.current.page?.rows)).toEqual(['a']);

    rerender({ filters: { ...ANY, state: 'SUCCEEDED' }, after: null });
    const [, failedRead, succeededRead] = api.reads;
    await succeededRead!.answer([task('s', 'SUCCEEDED')]);
    // The FAILED page, answered last, was asked for filters no longer on screen.
    await failedRead!.answer([task('f', 'FAILED')]);
    expect(result.current.stale).toBe(false);
    expect(ids(result.current.page?.rows)).toEqual(['s']);
    // Only the current feed delivers.
    expect(api.feeds.map((f) => f.stopped)).toEqual([true, true, false]);
  });

  it('reads a later page after its cursor, where new tasks do not appear', async () => {
    const api = new ScriptedApi();
    const { result } = render(api, ANY, 'cursor-1');
    expect(api.reads[0]!.variables).toEqual({ filter: {}, first: 2, after: 'cursor-1' });
    await api.reads[0]!.answer([task('a')]);
    await api.feeds[0]!.send(task('new'));
    expect(ids(result.current.page?.rows)).toEqual(['a']);
  });

  it('reads the page again after a reconnection, stale until it arrives', async () => {
    const api = new ScriptedApi();
    const { result } = render(api);
    await api.reads[0]!.answer([task('a')]);
    await api.reconnect();
    expect(api.reads).toHaveLength(2);
    expect(api.feeds[0]!.stopped).toBe(true);
    expect(result.current.stale).toBe(true);
    // Finished while the connection was down, so the feed never said.
    await api.reads[1]!.answer([task('a', 'SUCCEEDED', 3)]);
    expect(result.current.stale).toBe(false);
    expect(result.current.page?.rows[0]?.state).toBe('SUCCEEDED');
  });

  it('shows a failed read, and clears it when a read succeeds', async () => {
    const api = new ScriptedApi();
    const { result } = render(api);
    await api.reads[0]!.fail('Query Cost limit exceeded');
    expect(result.current).toEqual({ page: undefined, stale: true, error: 'Query Cost limit exceeded' });
    await api.reconnect();
    await api.reads[1]!.answer([task('a')]);
    expect(result.current.error).toBeNull();
  });
});
