/**
 * A task filter has two forms: the MongoDB query lists run (`src/store/task-query.ts`, through the
 * store) and the predicate feeds test live changes with (`src/model/task-filter.ts`). This checks
 * with generated filters and tasks, stored on the real MongoDB-compatible server, that both select
 * the same tasks — the query leaving out, besides, the tasks whose retention has run out.
 *
 * The values are drawn from small pools (two owners, three types, times a second or two apart
 * around `now`), so that matches, misses and the edges between them — a task created at the very
 * moment a filter names, a schedule due exactly now, a retention ending exactly now — all occur.
 */
import fc from 'fast-check';
import { MongoClient, type Db } from 'mongodb';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import {
  cancel,
  createTask,
  failAttempt,
  startAttempt,
  succeed,
  type Transition,
  type TransitionResult,
} from '../../src/model/state-machine.ts';
import { matchesFilter, type TaskFilter } from '../../src/model/task-filter.ts';
import { isExpired, TASK_STATES, type TaskError } from '../../src/model/task.ts';
import { TaskStore } from '../../src/store/task-store.ts';

/** The moment every query and predicate is evaluated at. */
const now = new Date('2026-11-23T10:00:00.000Z');
/** A moment a whole number of seconds from `now`: -2 s … +2 s. */
const moment = fc.integer({ min: -2, max: 2 }).map((seconds) => new Date(now.getTime() + seconds * 1000));

const OWNERS = ['ann', 'bob'];
const TYPES = ['echo', 'sleep', 'fail'];
const QUEUES = ['default', 'images'];
const TAGS = ['red', 'green', 'blue'];
const SCHEDULES = ['nightly', 'hourly'];
const MAX_TASKS = 10;
const IDS = Array.from({ length: MAX_TASKS + 2 }, (_, i) => `t${i}`); // two that no task has

/** What becomes of a generated task after its creation. */
const FATES = ['waiting', 'running', 'retrying', 'succeeded', 'failed', 'cancelled'] as const;

const taskSpec = fc.record({
  owner: fc.constantFrom(...OWNERS),
  type: fc.constantFrom(...TYPES),
  queue: fc.constantFrom(...QUEUES),
  tags: fc.uniqueArray(fc.constantFrom(...TAGS), { maxLength: TAGS.length }),
  scheduleId: fc.option(fc.constantFrom(...SCHEDULES), { nil: null }),
  createdAt: moment,
  runAt: fc.option(moment, { nil: null }),
  fate: fc.constantFrom(...FATES),
  /** When it started, finished or was cancelled, as its fate has it. */
  changedAt: moment,
  /** 0 keeps a finished task for ever. */
  resultTtlSeconds: fc.constantFrom(0, 1, 2, 3600),
});
type TaskSpec = typeof taskSpec extends fc.Arbitrary<infer T> ? T : never;

/**
 * A part of a filter: mostly left out (a filter sets two or three of its nine parts on average), so that it
 * still selects some of the tasks; when set, null (as GraphQL passes an explicit null) or a value.
 */
const part = <T>(value: fc.Arbitrary<T>) =>
  fc.oneof({ weight: 3, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: fc.option(value, { nil: null }) });
const someOf = <T>(pool: readonly T[]) => part(fc.uniqueArray(fc.constantFrom(...pool), { maxLength: pool.length }));
const taskFilter: fc.Arbitrary<TaskFilter> = fc.record({
  owner: part(fc.constantFrom(...OWNERS, 'nobody')),
  ids: someOf(IDS),
  states: someOf(TASK_STATES),
  types: someOf([...TYPES, 'other']),
  queues: someOf([...QUEUES, 'other']),
  tags: someOf([...TAGS, 'other']),
  createdAfter: part(moment),
  createdBefore: part(moment),
  scheduleId: part(fc.constantFrom(...SCHEDULES, 'other')),
});

const failure = (retryable: boolean): TaskError => ({ name: 'Error', message: 'failed', stack: null, retryable });

function permitted(result: TransitionResult): Transition {
  if (!result.ok) throw new Error(result.reason);
  return result;
}

/** Task `id` as `spec` describes it: created, then taken through the state machine to its fate. */
function taskOf(id: string, spec: TaskSpec): Transition {
  const { owner, type, queue, tags, scheduleId, createdAt, runAt, fate, changedAt, resultTtlSeconds } = spec;
  const created = createTask(
    { id, owner, type, queue, tags, scheduleId, runAt, resultTtlSeconds, input: {}, maxAttempts: 2, priority: 0, idempotencyKey: null },
    createdAt,
  );
  if (fate === 'waiting') return created;
  if (fate === 'cancelled') return permitted(cancel(created.task, null, changedAt));
  const started = permitted(startAttempt(created.task, 'worker', changedAt));
  if (fate === 'running') return started;
  if (fate === 'succeeded') return permitted(succeed(started.task, 1, null, changedAt));
  return permitted(failAttempt(started.task, 1, failure(fate === 'retrying'), 1000, changedAt));
}

let mongo: MongoClient;
let db: Db;

beforeAll(async () => {
  mongo = await new MongoClient(inject('mongoUrl')).connect();
  db = mongo.db(`t_filter_agreement_${process.pid}`);
});
afterAll(async () => {
  await db?.dropDatabase().catch(() => {});
  await mongo?.close();
});

it('selects the same tasks with the MongoDB query as with the in-memory predicate', async () => {
  const store = new TaskStore(db, () => now);
  const tasks = db.collection('tasks');
  await fc.assert(
    fc.asyncProperty(
      fc.array(taskSpec, { maxLength: MAX_TASKS }),
      fc.array(taskFilter, { minLength: 1, maxLength: 12 }),
      async (specs, filters) => {
        const stored = specs.map((spec, i) => taskOf(IDS[i]!, spec));
        await tasks.deleteMany({});
        if (stored.length > 0) await store.insertMany(stored);
        // Besides the generated filters, each state alone: what a state means depends on `now`.
        for (const filter of [...filters, ...TASK_STATES.map((state) => ({ states: [state] }))]) {
          const expected = stored
            .map(({ task }) => task)
            .filter((task) => matchesFilter(task, filter, now) && !isExpired(task, now))
            .map((task) => task.id);
          const listed = (await store.list(filter, 'CREATED_AT_ASC', MAX_TASKS, null)).tasks.map((task) => task.id);
          expect(listed.sort(), JSON.stringify(filter)).toEqual(expected.sort());
        }
      },
    ),
    { numRuns: 50 },
  );
});
