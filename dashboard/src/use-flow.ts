/**
 * One flow, live, as a hook: `flowUpdated` says when the flow's state or progress changed and the
 * flow is read again then (its tasks included); `taskFeed` moves each task's chip and progress
 * between those changes. Read again after a reconnection (the feed has no replay). The merging
 * is flow-view.ts's; this is its I/O.
 */
import { useEffect, useState } from 'preact/hooks';
import type { Api, ApiError } from './api.ts';
import { mergeFlowRead, withTaskUpdate } from './flow-view.ts';
import { FlowPageDocument, FlowUpdatedDocument, TaskFeedDocument, type FlowPageQuery, type TaskFeedSubscription } from './generated/graphql.ts';

/** A flow as its page shows it. */
export type FlowView = NonNullable<FlowPageQuery['flow']>;

/** A task as `taskFeed` sends it. */
type TaskUpdate = TaskFeedSubscription['taskFeed']['task'];

/** What the flow page shows. */
export interface LiveFlow {
  /** The flow; undefined until the first read arrives. */
  flow: FlowView | undefined;
  /** Whether no flow with this id exists that the caller may see. */
  missing: boolean;
  /** The last error a read or a subscription answered. */
  error: string | null;
}

/** The flow `id`, kept current. */
export function useFlow(api: Pick<Api, 'subscribe' | 'request' | 'onReconnect'>, id: string): LiveFlow {
  const [flow, setFlow] = useState<FlowView>();
  const [missing, setMissing] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [connections, setConnections] = useState(0);

  useEffect(() => api.onReconnect(() => setConnections((n) => n + 1)), [api]);

  useEffect(() => {
    let current = true;
    // Task events that arrive before the first read are kept and applied to it, so none falls between.
    let early: TaskUpdate[] | null = [];
    const read = () =>
      api.request(FlowPageDocument, { id }).then(
        ({ flow: read }) => {
          if (!current) return;
          if (!read) return setMissing(true);
          const pending = early ?? [];
          early = null;
          setFlow((shown) => pending.reduce((flow, update) => ({ ...flow, tasks: withTaskUpdate(flow.tasks, update) }), mergeFlowRead(shown, read)));
        },
        (e: ApiError) => current && setError(e.message),
      );
    const fail = (e: ApiError) => (e.code === 'NOT_FOUND' ? setMissing(true) : setError(e.message));
    // taskFeed has no filter by flow: events of the caller's other tasks change nothing here.
    const stopFeed = api.subscribe(
      TaskFeedDocument,
      {},
      {
        next: ({ taskFeed: { task } }) => {
          if (early) early.push(task);
          else setFlow((shown) => shown && { ...shown, tasks: withTaskUpdate(shown.tasks, task) });
        },
        error: fail,
      },
    );
    // The first update comes at once, so it is also the first read.
    const stopUpdates = api.subscribe(FlowUpdatedDocument, { id }, { next: () => void read(), error: fail });
    return () => {
      current = false;
      stopFeed();
      stopUpdates();
    };
  }, [api, id, connections]);

  return { flow, missing, error };
}
