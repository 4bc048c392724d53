/**
 * The forms the store gives its index creation and aggregations so that FerretDB 1.24 runs them
 * too. Each is plain MongoDB that both servers run alike; the comment on each names the FerretDB
 * behaviour that rules out the more direct form. (Writes differ by server: see `task-writes.ts`.)
 */
import type { Collection, Document, Filter, IndexDescription } from 'mongodb';
import { guard } from './mongo-errors.ts';
import type { TaskDocument } from './task-document.ts';

/**
 * Create `indexes` on `collection` (idempotent), one `createIndex` per index rather than one
 * `createIndexes` for all: FerretDB 1.24 drops the connection when a multi-index `createIndexes`
 * names indexes that all exist already, which every process start after the first does.
 */
export async function createIndexesOneByOne<T extends Document>(collection: Collection<T>, indexes: readonly IndexDescription[]): Promise<void> {
  for (const { key, ...options } of indexes) await guard(() => collection.createIndex(key, options));
}

/** One row of {@link stateCountPipelines}' `byState`. */
export interface StateCountRow {
  _id: { queue: string; state: TaskDocument['state'] };
  n: number;
}

/** One row of {@link stateCountPipelines}' `due`. */
export interface DueCountRow {
  _id: string;
  n: number;
}

/**
 * The aggregations behind per-queue state counts of the tasks `match` selects: by stored state,
 * and (to move from SCHEDULED to PENDING) the scheduled tasks due at `now`. Two groupings rather
 * than one grouping on a computed "visible state" field: FerretDB 1.24 has no expression
 * operators in `$project`.
 */
export function stateCountPipelines(match: Filter<TaskDocument>, now: Date): { byState: Document[]; due: Document[] } {
  return {
    byState: [{ $match: match }, { $group: { _id: { queue: '$queue', state: '$state' }, n: { $sum: 1 } } }],
    due: [{ $match: { $and: [match, { state: 'SCHEDULED', runAt: { $lte: now } }] } }, { $group: { _id: '$queue', n: { $sum: 1 } } }],
  };
}
