/**
 * taskql's own writes done directly with the drivers, from the load generator: the baselines of
 * enqueueing (the same documents and the same BullMQ jobs taskql makes, built with taskql's own
 * `createTask`, `encodeTask`, `bullQueueName` and `jobOptions`), and recorded changes published
 * the way a worker publishes them, to time notifications from a known moment.
 */
import { randomUUID } from 'node:crypto';
import { Queue } from 'bullmq';
import type { RedisConnection } from '../../src/redis/connections.ts';
import type { Collection } from 'mongodb';
import { ANONYMOUS } from '../../src/auth/principal.ts';
import { EventBus } from '../../src/events/event-bus.ts';
import { PubSub } from '../../src/redis/pubsub.ts';
import { createTask, reportProgress, startAttempt, type Transition } from '../../src/model/state-machine.ts';
import type { Task } from '../../src/model/task.ts';
import { jobData, jobOptions, type TaskJobData } from '../../src/queue/task-queues.ts';
import { bullQueueName } from '../../src/queue/queue-names.ts';
import { encodeTask, type TaskDocument } from '../../src/store/task-document.ts';
import { TaskStore } from '../../src/store/task-store.ts';
import { wallNow, type BenchContext, type Namespace } from './context.ts';

/** The queue of the built-in types. */
export const QUEUE = 'default';
/** taskql's default retention (`RESULT_TTL_SECONDS`), so direct documents equal the API's. */
const RESULT_TTL_SECONDS = 604_800;

/**
 * A new `echo` task as `enqueueTask(input: { type: "echo", input })` creates it for the caller the
 * benchmark's API sees (authentication is off there: the anonymous owner).
 */
export function newEchoTask(input: Record<string, unknown>, now = new Date(), tags: readonly string[] = []): Transition {
  return createTask(
    {
      id: randomUUID(),
      type: 'echo',
      queue: QUEUE,
      input,
      maxAttempts: 1,
      priority: 0,
      tags: [...tags],
      idempotencyKey: null,
      owner: ANONYMOUS.owner,
      runAt: null,
      resultTtlSeconds: RESULT_TTL_SECONDS,
    },
    now,
  );
}

/** The GraphQL input that creates the same task as {@link newEchoTask}. */
export function echoInput(i: number): { type: string; input: Record<string, unknown> } {
  return { type: 'echo', input: { n: i } };
}

/** Enqueueing with nothing but the MongoDB driver and BullMQ: what taskql cannot do with less. */
export class DirectEnqueuer {
  readonly queue: Queue<TaskJobData>;
  readonly #tasks: Collection<TaskDocument>;
  readonly #connection: RedisConnection;

  /**
   * Closed at the context's next release.
   * @param prefix the Redis prefix the jobs go under (a taskql namespace's, or one of its own)
   */
  constructor(ctx: BenchContext, ns: Namespace, prefix = ns.prefix) {
    this.#tasks = ns.db.collection<TaskDocument>('tasks');
    this.#connection = ctx.redis({ maxRetriesPerRequest: null });
    this.queue = new Queue<TaskJobData>(bullQueueName(QUEUE), { connection: this.#connection, prefix });
    ctx.defer(() => this.#close());
  }

  /** One task: insertOne, then queue.add — the two writes `enqueueTask` must make. */
  async one(i: number): Promise<void> {
    const created = newEchoTask({ n: i });
    await this.#tasks.insertOne(encodeTask(created.task, created.logged));
    await this.queue.add(created.task.type, jobData(created.task), jobOptions(created.task, new Date()));
  }

  /** A job alone, as taskql would queue it, with no task stored: raw BullMQ's cost. */
  async jobOnly(i: number): Promise<void> {
    const { task } = newEchoTask({ n: i });
    await this.queue.add(task.type, jobData(task), jobOptions(task, new Date()));
  }

  /** Many tasks: insertMany, then addBulk — the two writes `enqueueTasks` must make. */
  async many(from: number, count: number, store = true): Promise<void> {
    const now = new Date();
    const created = Array.from({ length: count }, (_, k) => newEchoTask({ n: from + k }, now));
    if (store) await this.#tasks.insertMany(created.map((c) => encodeTask(c.task, c.logged)), { ordered: false });
    await this.queue.addBulk(created.map(({ task }) => ({ name: task.type, data: jobData(task), opts: jobOptions(task, now) })));
  }

  async #close(): Promise<void> {
    await this.queue.close();
    this.#connection.disconnect();
  }
}

/**
 * Records changes of RUNNING tasks exactly as a worker does — a version-guarded write to MongoDB
 * with taskql's store, then a publish on taskql's bus — and says when each was recorded. PROGRESS
 * events serve: they can be repeated without end and every one reaches `taskUpdated`.
 */
export class ChangeDriver {
  readonly #store: TaskStore;
  readonly #bus: EventBus;
  readonly #connection: RedisConnection;
  readonly #tasks = new Map<string, { task: Task; chain: Promise<void> }>();

  /** Closed at the context's next release. */
  constructor(ctx: BenchContext, ns: Namespace) {
    this.#store = new TaskStore(ns.db);
    this.#connection = ctx.redis();
    // Only publishes: start() is never called, so the bus never uses its subscriber connection.
    this.#bus = new EventBus(new PubSub(this.#connection, this.#connection), ns.prefix);
  }

  /**
   * Store a new `echo` task with `tags` and start its attempt, as if a worker had taken it;
   * returns its id.
   */
  async runningTask(tags: readonly string[] = []): Promise<string> {
    const created = newEchoTask({}, new Date(), tags);
    await this.#store.insert(created);
    const started = startAttempt(created.task, 'bench-driver', new Date());
    if (!started.ok || !(await this.#store.commit(created.task, started))) throw new Error('could not start a task');
    this.#tasks.set(started.task.id, { task: started.task, chain: Promise.resolve() });
    return started.task.id;
  }

  /** Task `id`'s version after the last change this driver recorded (none may be in flight to know the next). */
  version(id: string): number {
    const entry = this.#tasks.get(id);
    if (!entry) throw new Error(`unknown driven task ${id}`);
    return entry.task.version;
  }

  /**
   * Record a PROGRESS event of task `id` carrying `data`, after the task's earlier changes (one
   * task's writes are serial, as on a worker). `onRecorded` gets the event's version and the time
   * the write was acknowledged, just before the publish. Resolves once published.
   */
  progress(id: string, data: unknown, onRecorded: (version: number, at: number) => void = () => {}): Promise<void> {
    const entry = this.#tasks.get(id);
    if (!entry) throw new Error(`unknown driven task ${id}`);
    const step = entry.chain.then(async () => {
      const next = reportProgress(entry.task, entry.task.attempt, { data }, new Date());
      if (!next.ok || !(await this.#store.commit(entry.task, next))) throw new Error(`could not record progress of ${id}`);
      entry.task = next.task;
      onRecorded(next.task.version, wallNow());
      await this.#bus.publish({ task: next.task, event: next.event });
    });
    entry.chain = step.catch(() => {});
    return step;
  }
}
