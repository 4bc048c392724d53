/**
 * The BullMQ side of enqueueing: one BullMQ queue per taskql queue, one job per task. A job
 * carries what names the task (its id and owner; the task itself lives in MongoDB), a copy of the
 * task as it was queued when that copy is small, and, when tracing is on, the trace context it was
 * queued in. It uses the id as its job id (so adding a
 * task twice queues it once), and is removed from Redis when it ends, so Redis does not grow with
 * history.
 */
import { Queue, type JobsOptions } from 'bullmq';
import type { RedisConnection } from '../redis/connections.ts';
import { redisCall } from '../errors.ts';
import { gatheredPerTurn } from '../gathered-calls.ts';
import type { QueueLimits } from '../model/limits.ts';
import type { Task, WaitReason } from '../model/task.ts';
import { PRIORITY_RANGE } from '../model/task.ts';
import { packTask, unpackTask } from '../model/task-pack.ts';
import { activeTraceCarrier, type TraceCarrier } from '../tracing/task-spans.ts';
import { PARKED_JOB_DELAY_MS, type FlowLimiter } from './flow-limiter.ts';
import { bullQueueName } from './queue-names.ts';

/** What a job carries: the task's id and owner, so that the worker reads it by its shard key. */
export interface TaskJobData {
  taskId: string;
  /** Absent from jobs queued before jobs carried it: those tasks are looked up by id alone. */
  owner?: string;
  /**
   * The task as it was queued, packed (`model/task-pack.ts`) and in base64, when that is at most
   * {@link QUEUED_TASK_MAX_BYTES}: the worker starts a first delivery from it instead of reading
   * the task from MongoDB. The start is a version-guarded write, so a task that has moved on
   * since is read then, and decided on as it is.
   */
  task?: string;
  /** The trace context the job was queued in, so that each attempt's span continues that trace. */
  trace?: TraceCarrier;
}

/**
 * The largest packed task a job carries. Reading the task costs the worker a third of its MongoDB
 * work on a task; carrying it costs Redis memory for each waiting job, so a task with a large input
 * stays in MongoDB alone.
 */
export const QUEUED_TASK_MAX_BYTES = 8 * 1024;

/** The data of `task`'s job, queued in the active trace context. */
export function jobData(task: Task): TaskJobData {
  const trace = activeTraceCarrier();
  const packed = packTask(task);
  const data: TaskJobData = { taskId: task.id, owner: task.owner, ...(packed.byteLength <= QUEUED_TASK_MAX_BYTES && { task: packed.toString('base64') }) };
  return trace ? { ...data, trace } : data;
}

/** The task as its job was queued, when the job carries it (see {@link TaskJobData.task}). */
export function queuedTask(data: TaskJobData): Task | null {
  return data.task === undefined ? null : unpackTask(Buffer.from(data.task, 'base64'));
}

/**
 * BullMQ's priority of a task: BullMQ runs lower numbers first (1 highest) while taskql's
 * priorities run higher first (0 to 10). Every job gets one, so all jobs of a queue sort alike.
 */
export function bullPriority(priority: number): number {
  return PRIORITY_RANGE.max + 1 - priority;
}

/**
 * The options of a task's job: a SCHEDULED task's is delayed until its `runAt`, a deferred one's
 * until its `deferredUntil` (when a job is queued again for it), a parked one's (waiting for a
 * slot of its concurrency key) until a freed slot promotes it.
 */
export function jobOptions(task: Task, now: Date, parked = false): JobsOptions {
  const until = task.state === 'SCHEDULED' ? task.runAt : task.deferredUntil;
  return {
    jobId: task.id,
    priority: bullPriority(task.priority),
    delay: parked ? PARKED_JOB_DELAY_MS : until ? Math.max(0, until.getTime() - now.getTime()) : 0,
    removeOnComplete: true,
    removeOnFail: true,
  };
}

/** A task and what its job carries, taken in the caller's trace context. */
interface JobToAdd {
  task: Task;
  data: TaskJobData;
}

/** Adds per gathered `addBulk`: however busy the process, one pipeline stays small. */
const GATHERED_ADDS_MAX = 100;

/** What removing a task's job found: it is gone now, or a worker holds it (the task is starting or running). */
export type Removal = 'removed' | 'running';

export class TaskQueues {
  readonly #queues = new Map<string, Queue<TaskJobData>>();
  readonly #connection: RedisConnection;
  readonly #prefix: string;
  readonly #timeoutMs: number;
  readonly #limiter: FlowLimiter;

  /**
   * @param connection a connection that fails fast when Redis is away (`enableOfflineQueue: false`)
   * @param prefix the deployment's Redis prefix
   * @param timeoutMs how long an add may take before it counts as Redis being unavailable
   * @param limiter admits tasks of limited types, or parks them until their key has a free slot
   */
  constructor(connection: RedisConnection, prefix: string, timeoutMs: number, limiter: FlowLimiter) {
    this.#connection = connection;
    this.#prefix = prefix;
    this.#timeoutMs = timeoutMs;
    this.#limiter = limiter;
  }

  /**
   * Queue `task`'s job (parked, when its concurrency key has no free slot). The adds asked for in
   * one turn of the event loop (concurrent requests) go to Redis as one `addBulk` per queue:
   * one pipeline and one socket write for all of them. Should it fail, every add gathered into
   * it fails: each caller undoes its own task, as after a failed add of its own. Each job's data
   * is taken here, in the caller's trace context.
   */
  add(task: Task): Promise<void> {
    return this.#gatheredAdd({ task, data: jobData(task) });
  }

  /** The adds of one event-loop turn, as one `addBulk` per queue (see `add`). */
  readonly #gatheredAdd = gatheredPerTurn<JobToAdd, void>(async (batch) => {
    await this.#addAll(batch);
    return batch.map(() => undefined);
  }, GATHERED_ADDS_MAX);

  /** Queue the jobs of many tasks, one `addBulk` per queue. */
  async addMany(tasks: Task[]): Promise<void> {
    await this.#addAll(tasks.map((task) => ({ task, data: jobData(task) })));
  }

  async #addAll(jobs: readonly JobToAdd[]): Promise<void> {
    const now = new Date();
    await withTimeout(
      (async () => {
        // Only a task due now is admitted here; a later one is admitted when a worker takes it.
        const parked = await Promise.all(jobs.map(async ({ task }) => jobOptions(task, now).delay === 0 && !(await this.#limiter.admit(task))));
        const byQueue = new Map<string, { job: JobToAdd; parked: boolean }[]>();
        jobs.forEach((job, i) => {
          const entry = { job, parked: parked[i]! };
          const group = byQueue.get(job.task.queue);
          if (group) group.push(entry);
          else byQueue.set(job.task.queue, [entry]);
        });
        await Promise.all(
          [...byQueue].map(([name, group]) => {
            const bulk = group.map(({ job: { task, data }, parked }) => ({ name: task.type, data, opts: jobOptions(task, now, parked) }));
            // A job alone is added without a pipeline, which costs more than its one command:
            // ioredis copies every script command (BullMQ defines dozens) onto each new one.
            const [only] = bulk;
            return bulk.length === 1 && only ? this.#queue(name).add(only.name, only.data, only.opts) : this.#queue(name).addBulk(bulk);
          }),
        );
        // A slot that freed between parking and queueing went to a job that was not there yet.
        const late = jobs.filter((_, i) => parked[i]).map(({ task }) => task);
        const given = await Promise.all(late.map((task) => this.#limiter.holdsSlot(task)));
        await Promise.all(late.filter((_, i) => given[i]).map((task) => this.promote(task.queue, [task.id])));
      })(),
      this.#timeoutMs,
    );
  }

  /**
   * Wake the parked jobs of `ids` in `queue` (they were given slots): into the queue, by their
   * priority. A job that is not parked any more (or gone) is left as it is.
   */
  async promote(queue: string, ids: readonly string[]): Promise<void> {
    await Promise.all(
      ids.map(async (id) => {
        const job = await this.#queue(queue).getJob(id);
        await job?.promote().catch(() => {});
      }),
    );
  }

  /**
   * Apply queue `name`'s queue-wide limits (QUEUE_LIMITS) with BullMQ's own global concurrency
   * and rate limit, which every worker of the queue obeys; null removes them.
   */
  async applyQueueLimits(name: string, limits: QueueLimits | null): Promise<void> {
    const queue = this.#queue(name);
    await withTimeout(
      Promise.all([
        limits?.concurrency ? queue.setGlobalConcurrency(limits.concurrency) : queue.removeGlobalConcurrency(),
        limits?.rateLimit ? queue.setGlobalRateLimit(limits.rateLimit.max, limits.rateLimit.perMs) : queue.removeGlobalRateLimit(),
      ]),
      this.#timeoutMs,
    );
  }

  /**
   * Whether queue `name` is at its queue-wide limits now: as many jobs active as its concurrency
   * allows (CONCURRENCY_LIMIT), or its rate window used up (RATE_LIMIT); null when neither holds.
   */
  async queueLimitWait(name: string, limits: QueueLimits): Promise<WaitReason | null> {
    const queue = this.#queue(name);
    const [active, rateTtl] = await withTimeout(
      Promise.all([limits.concurrency ? queue.getActiveCount() : 0, limits.rateLimit ? queue.getRateLimitTtl(limits.rateLimit.max) : 0]),
      this.#timeoutMs,
    );
    if (limits.concurrency && active >= limits.concurrency) return 'CONCURRENCY_LIMIT';
    return rateTtl > 0 ? 'RATE_LIMIT' : null;
  }

  /** Where `task`'s job is in BullMQ: `waiting`, `active`, `delayed`, … or `unknown` when there is none. */
  async jobState(task: Task): Promise<string> {
    return withTimeout(this.#queue(task.queue).getJobState(task.id), this.#timeoutMs);
  }

  /** Remove `task`'s job unless a worker holds it; a job that does not exist counts as removed. */
  async remove(task: Task): Promise<Removal> {
    const removed = await withTimeout(this.#queue(task.queue).remove(task.id), this.#timeoutMs);
    if (removed !== 1) return 'running';
    // Its slot or place under its concurrency key goes to the next of that key.
    if (this.#limiter.isLimited(task)) await this.promote(task.queue, await withTimeout(this.#limiter.release(task), this.#timeoutMs));
    return 'removed';
  }

  /**
   * Pause queue `name` for every worker: BullMQ keeps the flag in Redis, so workers that start
   * later see it too, and running jobs finish.
   */
  async pause(name: string): Promise<void> {
    await withTimeout(this.#queue(name).pause(), this.#timeoutMs);
  }

  /** Undo `pause`: workers take the queue's waiting jobs again. */
  async resume(name: string): Promise<void> {
    await withTimeout(this.#queue(name).resume(), this.#timeoutMs);
  }

  /** Whether queue `name` is paused. */
  async isPaused(name: string): Promise<boolean> {
    return withTimeout(this.#queue(name).isPaused(), this.#timeoutMs);
  }

  async close(): Promise<void> {
    await Promise.all([...this.#queues.values()].map((q) => q.close()));
  }

  #queue(name: string): Queue<TaskJobData> {
    let queue = this.#queues.get(name);
    if (!queue) {
      queue = new Queue<TaskJobData>(bullQueueName(name), { connection: this.#connection, prefix: this.#prefix });
      // Errors also reach the caller of add(); without a listener Node would treat them as fatal.
      queue.on('error', () => {});
      this.#queues.set(name, queue);
    }
    return queue;
  }
}

async function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer from Redis in ${ms} ms`)), ms);
  });
  try {
    return await redisCall(Promise.race([promise, timeout]));
  } finally {
    clearTimeout(timer);
  }
}
