/**
 * The MongoDB store of schedules: one document per schedule, unique by owner and name. A
 * schedule's runs are tasks (`scheduleId`), made exactly once per due time by the tasks'
 * idempotency keys (`scheduledRunKey`), so nothing here needs to be atomic across writers: a
 * scheduler that advances `nextRunAt` late, or twice, makes no second task.
 */
import { ObjectId, type Collection, type Db, type Filter } from 'mongodb';
import type { Schedule } from '../model/schedule.ts';
import { decodeJson, encodeJson } from '../model/task-codec.ts';
import { guard, isDuplicateKey } from './mongo-errors.ts';
import { createIndexesOneByOne } from './server-quirks.ts';
import { scheduleKeyFilter } from './shard-keys.ts';

/** A stored schedule: its fields with `_id` for `id`, the input as JSON text. */
interface ScheduleDocument extends Omit<Schedule, 'id' | 'input'> {
  _id: string;
  input: string;
}

/** A page of schedules, oldest first. */
export interface SchedulePage {
  schedules: Schedule[];
  hasNextPage: boolean;
  totalCount: number;
}

/**
 * A schedule named by its id, with its owner when the caller knows it (the shard key, see
 * `shard-keys.ts`); null when only the id is known (an admin acting across owners).
 */
export interface ScheduleRef {
  id: string;
  owner: string | null;
}

/** What names one schedule's document: its owner and id. */
export type ScheduleKey = Pick<Schedule, 'id' | 'owner'>;

/** What `upsert` leaves out: assigned by the store. */
export type ScheduleFields = Omit<Schedule, 'id' | 'createdAt'>;

export class ScheduleStore {
  readonly #schedules: Collection<ScheduleDocument>;

  constructor(db: Db) {
    this.#schedules = db.collection<ScheduleDocument>('schedules');
  }

  /** The indexes its queries use: names unique per owner, and due times for the scheduler. */
  async ensureIndexes(): Promise<void> {
    await createIndexesOneByOne(this.#schedules, [
      { key: { owner: 1, name: 1 }, unique: true, name: 'owner_name' },
      { key: { nextRunAt: 1 }, name: 'next_run' },
    ]);
  }

  /**
   * Create the schedule called `fields.name` for its owner, or update it when one exists: a
   * schedule declared in code and upserted by every process at start-up stays one schedule.
   */
  async upsert(fields: ScheduleFields, now: Date): Promise<Schedule> {
    const { _id: _i, createdAt: _c, ...set } = encode({ ...fields, id: '', createdAt: now });
    for (let tries = 0; ; tries++) {
      try {
        const doc = await guard(() =>
          this.#schedules.findOneAndUpdate(
            { owner: fields.owner, name: fields.name },
            { $set: set, $setOnInsert: { _id: new ObjectId().toHexString(), createdAt: now } },
            { upsert: true, returnDocument: 'after' },
          ),
        );
        return decode(doc!);
      } catch (error) {
        // Two upserts of a new name at once: one inserted, the other now updates it.
        if (tries === 0 && isDuplicateKey(error)) continue;
        throw error;
      }
    }
  }

  /** The schedule `ref` names, if any (and it is `ref.owner`'s). */
  async get(ref: ScheduleRef): Promise<Schedule | null> {
    const filter = ref.owner === null ? { _id: ref.id } : scheduleKeyFilter({ id: ref.id, owner: ref.owner });
    const doc = await guard(() => this.#schedules.findOne(filter));
    return doc && decode(doc);
  }

  /** The schedule `name` of `owner`, if any. */
  async byName(owner: string, name: string): Promise<Schedule | null> {
    const doc = await guard(() => this.#schedules.findOne({ owner, name }));
    return doc && decode(doc);
  }

  /** A page of `owner`'s schedules (every owner's when null), oldest first, after the id `after`. */
  async list(owner: string | null, first: number, after: string | null): Promise<SchedulePage> {
    const scope: Filter<ScheduleDocument> = owner === null ? {} : { owner };
    const filter: Filter<ScheduleDocument> = after === null ? scope : { ...scope, _id: { $gt: after } };
    const [docs, totalCount] = await Promise.all([
      guard(() => this.#schedules.find(filter).sort({ _id: 1 }).limit(first + 1).toArray()),
      guard(() => this.#schedules.countDocuments(scope)),
    ]);
    return { schedules: docs.slice(0, first).map(decode), hasNextPage: docs.length > first, totalCount };
  }

  /** Set fields of schedule `key`; the schedule as it then is, or null when it is gone. */
  async update(key: ScheduleKey, set: Partial<ScheduleFields>): Promise<Schedule | null> {
    const { input, ...rest } = set;
    const encoded: Partial<ScheduleDocument> = input === undefined ? rest : { ...rest, input: encodeJson(input) };
    const doc = await guard(() => this.#schedules.findOneAndUpdate(scheduleKeyFilter(key), { $set: encoded }, { returnDocument: 'after' }));
    return doc && decode(doc);
  }

  /**
   * Record a scheduler tick's outcome, unless another tick already moved the schedule on from
   * `expectedNextRunAt` (or someone changed it meanwhile): then nothing is written.
   */
  async advance(key: ScheduleKey, expectedNextRunAt: Date | null, set: Partial<Omit<ScheduleFields, 'input'>>): Promise<boolean> {
    const result = await guard(() => this.#schedules.updateOne({ ...scheduleKeyFilter(key), nextRunAt: expectedNextRunAt }, { $set: set }));
    return result.matchedCount > 0;
  }

  /** Delete schedule `key`; its past tasks stay. Whether it existed. */
  async delete(key: ScheduleKey): Promise<boolean> {
    const result = await guard(() => this.#schedules.deleteOne(scheduleKeyFilter(key)));
    return result.deletedCount > 0;
  }

  /** Unpaused schedules with a due time at or before `now`, or a buffered run waiting. */
  async due(now: Date, limit: number): Promise<Schedule[]> {
    const docs = await guard(() =>
      this.#schedules
        .find({ paused: false, $or: [{ nextRunAt: { $lte: now } }, { bufferedRunAt: { $ne: null } }] })
        .limit(limit)
        .toArray(),
    );
    return docs.map(decode);
  }
}

function encode(schedule: Schedule): ScheduleDocument {
  const { id, input, ...rest } = schedule;
  return { ...rest, _id: id, input: encodeJson(input) };
}

function decode(doc: ScheduleDocument): Schedule {
  const { _id, input, ...rest } = doc;
  return { ...rest, id: _id, input: decodeJson(input) };
}
