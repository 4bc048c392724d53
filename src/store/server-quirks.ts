/**
 * The forms the store gives its index creation, aggregations and filters so that FerretDB 1.24
 * runs them too and mongo-java-server uses its indexes for them. Each is plain MongoDB that every
 * server runs alike; the comment on each names the server behaviour that rules out the more
 * direct form. (Writes differ by server: see `task-writes.ts`.)
 */
import type { Collection, Db, Document, Filter, IndexDescription } from 'mongodb';
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

/**
 * Drop index `name` of `collection` when it exists. Asked first (the driver lists the indexes)
 * rather than dropped and the error read: servers name a missing index with different codes.
 */
export async function dropIndexIfPresent<T extends Document>(collection: Collection<T>, name: string): Promise<void> {
  if (await guard(() => collection.indexExists(name))) await guard(() => collection.dropIndex(name));
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

/**
 * Indexes of tasks that one server needs beyond those every server has. mongo-java-server (a test
 * and benchmark server, `docs/test-servers.md`) uses an index only for a filter that names
 * exactly its fields, and keeps only unique ones: a filter on `_id` and anything else scans the
 * collection unless a unique index has exactly those fields (a version-guarded update took
 * 11.2 ms at 4,000 tasks without one, 1.4 ms with it). So it gets one per shape the store names a
 * task by (`shard-keys.ts`): owner and `_id` (lookups), the full key (deletes) and the full key
 * with the version (version-guarded updates). Each is unique because `_id` is. MongoDB serves those
 * filters from `_id` and FerretDB names tasks by `_id` alone: they get none.
 */
export async function serverSpecificTaskIndexes(db: Db): Promise<IndexDescription[]> {
  // serverStatus may be refused to a user without clusterMonitor: then it is not mongo-java-server.
  const status: Document = await db.admin().command({ serverStatus: 1 }).catch(() => ({}));
  if (status['process'] !== 'java') return [];
  return [
    { key: { owner: 1, _id: 1 }, name: 'owner_id_unique', unique: true },
    { key: { owner: 1, dedupeKey: 1, _id: 1 }, name: 'owner_dedupeKey_id_unique', unique: true },
    { key: { owner: 1, dedupeKey: 1, _id: 1, version: 1 }, name: 'owner_dedupeKey_id_version_unique', unique: true },
  ];
}

/**
 * The condition on `_id` that names the tasks `ids`: the id itself when there is one, else
 * `$in`. The same to MongoDB; but mongo-java-server uses its unique index on owner and `_id`
 * ({@link serverSpecificTaskIndexes}) only for an equality, and scans the collection for an
 * `$in` — which made each task's end in a fan-in, reading its one dependent, a scan.
 */
export function idCondition(ids: readonly string[]): string | { $in: string[] } {
  return ids.length === 1 ? ids[0]! : { $in: [...ids] };
}
