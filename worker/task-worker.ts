/**
 * The worker: takes jobs from BullMQ and runs each task's attempt, recording every step
 * (STARTED, PROGRESS, SUCCEEDED / RETRY_SCHEDULED / FAILED) through the recorder, so MongoDB and
 * subscribers see the same story in the same order.
 *
 * taskql, not BullMQ, decides about retries (the state machine and the type's backoff): a failed
 * attempt with attempts left is recorded RETRYING first, then its job is moved to BullMQ's delayed
 * set until the recorded `nextRunAt`. BullMQ's own attempt counting is not used.
 *
 * A job is never dropped because MongoDB or Redis failed while it was handled: it goes back to
 * BullMQ to be tried again shortly. On shutdown the worker stops taking jobs, lets running
 * attempts finish for a while, then hands the rest back (recorded REQUEUED, the attempt STALLED),
 * so a rolling deploy loses nothing and runs nothing twice to completion.
 */
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { DelayedError, WaitingError, Worker, type Job } from 'bullmq';
import { retryDelayMs } from '../src/model/backoff.ts';
import { awaitChildren, cancel, defer, failAttempt, handBack, logTruncated, reportProgress, startAttempt, succeed, type ProgressReport } from '../src/model/state-machine.ts';
import { isFinalState, type Task } from '../src/model/task.ts';
import { mayHoldEarlierOutput } from '../src/model/task-output.ts';
import { queuedTask, type TaskJobData } from '../src/queue/task-queues.ts';
import { bullQueueName } from '../src/queue/queue-names.ts';
import { createRedisConnection, type RedisConnection } from '../src/redis/connections.ts';
import type { Runtime } from '../src/runtime.ts';
import { AttemptTrace } from '../src/tracing/task-spans.ts';
import { runAttempt, type AttemptResult } from './attempt.ts';
import type { AnyTaskHandler } from './handler.ts';
import { ProgressCoalescer } from './progress-coalescer.ts';
import { TaskOutputWriter } from './task-output-writer.ts';
import { Maintenance } from './maintenance.ts';
import { LimitGate } from './limit-gate.ts';
import { limitSweepChore } from './limit-sweep.ts';
import { childReconcilerChore } from './child-reconciler.ts';
import { dependenciesOf } from './dependencies.ts';
import { flowReconcilerChore } from './flow-reconciler.ts';
import { reconcilerChore } from './reconciler.ts';
import { retentionChore } from './retention.ts';
import { schedulerChore } from './scheduler.ts';

/** A unique, readable id for this worker process: host, pid and a random suffix. */
export function newWorkerId(): string {
  return `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
}

/**
 * How long a job waits before it is tried again after MongoDB or Redis failed while it was handled:
 * long enough not to spin through an outage, short enough to resume soon after it.
 */
const REDELIVERY_DELAY_MS = 1_000;

/** What a running attempt reports between its start and end: progress, metadata, or both. */
interface RunningReport {
  progress?: ProgressReport;
  metadata?: Record<string, unknown>;
}

/** A running attempt of this process: how to stop it, and why it was stopped. */
interface RunningAttempt {
  stop: AbortController;
  /** `cancel`: the task was cancelled (with `reason`); `shutdown`: this worker hands it back. */
  stoppedFor: 'cancel' | 'shutdown' | null;
  reason: string | null;
}

export class TaskWorker {
  readonly id: string;
  readonly #runtime: Runtime;
  /** The handlers this worker runs, by task type name. */
  readonly #handlers: ReadonlyMap<string, AnyTaskHandler>;
  readonly #workers: Worker<TaskJobData>[] = [];
  readonly #connection: RedisConnection;
  readonly #maintenance: Maintenance;
  readonly #gate: LimitGate;
  readonly #startedAt = new Date();
  #heartbeat: NodeJS.Timeout | null = null;
  /** The running attempts of this process, by task id, to stop when their task is cancelled. */
  readonly #running = new Map<string, RunningAttempt>();
  /** Set once the drain period of `close` is over: every attempt still running is handed back. */
  #handingBack = false;

  /**
   * @param handlers what runs each declared type of the served queues: every such type needs one,
   *   and each must run a type the runtime declares (checked here, so a deploy with a missing or
   *   stray handler fails at start rather than at its first task)
   */
  constructor(runtime: Runtime, handlers: readonly AnyTaskHandler[], id = newWorkerId()) {
    this.id = id;
    this.#runtime = runtime;
    this.#handlers = checkedHandlers(runtime, handlers, this.queues);
    // BullMQ's workers block on Redis and must retry forever across outages.
    this.#connection = createRedisConnection(runtime.config.redis, 'blocking', runtime.config.dependencyTimeoutMs);
    this.#connection.on('error', (err) => runtime.logger.warn({ err }, 'worker Redis connection error'));
    this.#gate = new LimitGate(runtime);
    this.#maintenance = new Maintenance(runtime, this.#connection, [
      retentionChore(runtime),
      reconcilerChore(runtime),
      flowReconcilerChore(runtime),
      childReconcilerChore(runtime),
      schedulerChore(runtime),
      limitSweepChore(runtime),
    ]);
  }

  /** The queues this worker serves: configured, or every queue a registered type uses. */
  get queues(): string[] {
    return this.#runtime.config.workerQueues ?? this.#runtime.types.queues();
  }

  /** Start taking jobs from every served queue. */
  async start(): Promise<void> {
    const { config, logger, cancels } = this.#runtime;
    await cancels.listen((taskId, reason) => this.#stop(taskId, reason));
    for (const queue of this.queues) {
      const worker = new Worker<TaskJobData>(bullQueueName(queue), (job, token) => this.#process(job, token), {
        connection: this.#connection,
        prefix: config.redisPrefix,
        concurrency: config.workerConcurrency,
        // A job whose worker died is handed to another once its lock runs out. taskql, not
        // BullMQ, decides when a task has stalled too often (MAX_STALLS), so BullMQ never gives up.
        lockDuration: config.workerLockMs,
        stalledInterval: config.workerLockMs,
        maxStalledCount: Number.MAX_SAFE_INTEGER,
      });
      worker.on('error', (err) => logger.warn({ err, queue }, 'worker error'));
      this.#workers.push(worker);
    }
    await Promise.all([
      ...this.#workers.map((w) => w.waitUntilReady()),
      this.#maintenance.start(),
      ...this.queues.map((queue) => this.#runtime.queues.applyQueueLimits(queue, config.queueLimits.get(queue) ?? null)),
    ]);
    await this.#beat();
    this.#heartbeat = setInterval(() => void this.#beat(), config.workerHeartbeatMs);
    logger.info({ workerId: this.id, queues: this.queues, concurrency: config.workerConcurrency }, 'taskql worker started');
  }

  /**
   * Stop taking jobs and wait for the running ones to finish; those still running after `drainMs`
   * are stopped through their signal and handed back to their queue for another worker.
   */
  async close(drainMs = this.#runtime.config.workerDrainMs): Promise<void> {
    if (this.#heartbeat) clearInterval(this.#heartbeat);
    const drained = setTimeout(() => {
      this.#handingBack = true;
      for (const taskId of this.#running.keys()) this.#handBack(taskId);
    }, drainMs);
    // BullMQ's close stops fetching at once and resolves when the running jobs have ended.
    await Promise.all([...this.#workers.map((w) => w.close()), this.#maintenance.close()]);
    clearTimeout(drained);
    await this.#runtime.workers.remove(this.id).catch(() => {});
    this.#connection.disconnect();
  }

  /** Tell the registry this worker is alive; a failed beat is logged and the next one tries again. */
  async #beat(): Promise<void> {
    const { workers, config, logger } = this.#runtime;
    try {
      await workers.beat({
        id: this.id,
        hostname: hostname(),
        pid: process.pid,
        queues: this.queues,
        concurrency: config.workerConcurrency,
        startedAt: this.#startedAt,
        heartbeatAt: new Date(),
      });
    } catch (err) {
      logger.warn({ err }, 'worker heartbeat failed');
    }
  }

  #stop(taskId: string, reason: string | null): void {
    const running = this.#running.get(taskId);
    if (!running || running.stoppedFor) return;
    running.stoppedFor = 'cancel';
    running.reason = reason;
    running.stop.abort();
  }

  #handBack(taskId: string): void {
    const running = this.#running.get(taskId);
    if (!running || running.stoppedFor) return;
    running.stoppedFor = 'shutdown';
    running.stop.abort();
  }

  /**
   * Handle one job. Whatever throws here is MongoDB or Redis failing (a handler's errors are the
   * attempt's outcome): the job goes back to BullMQ for a later try instead of failing, since a
   * failed job is removed and its task would wait for the reconciler. Should Redis be down too, the
   * job's lock runs out and BullMQ's stalled check hands it out again.
   */
  async #process(job: Job<TaskJobData>, token: string | undefined): Promise<void> {
    const attemptTrace = new AttemptTrace(job.data.trace);
    try {
      await this.#handle(job, token, attemptTrace);
    } catch (error) {
      if (error instanceof DelayedError || error instanceof WaitingError) throw error;
      attemptTrace.interrupted(error);
      this.#runtime.logger.warn({ err: error, taskId: job.data.taskId }, 'could not handle a job; trying it again shortly');
      await job.moveToDelayed(Date.now() + REDELIVERY_DELAY_MS, token);
      throw new DelayedError();
    }
  }

  /** Run `job`'s task if its limits let it start now, else hold the job back until they may. */
  async #handle(job: Job<TaskJobData>, token: string | undefined, attemptTrace: AttemptTrace): Promise<void> {
    const task = await this.#taskOf(job);
    // Deleted (an enqueue that was undone) or already ended (a duplicate delivery): nothing to run.
    if (!task || isFinalState(task.state)) return;
    const gate = await this.#gate.enter(task);
    if (gate.kind === 'hold-back') {
      await job.moveToDelayed(gate.untilMs, token);
      throw new DelayedError();
    }
    try {
      await this.#attempt(job, token, attemptTrace, task);
    } finally {
      await gate.hold.leave();
    }
  }

  /**
   * The task `job` runs. A first delivery starts from the task as it was queued, when the job
   * carries it: it is almost always the task as it is, and one that moved on since (requeued by the
   * reconciler, say) fails the start's version guard and is read again then (`task-recorder.ts`).
   * A later delivery (a retry, a hand-back, after a stall) follows changes of the task: it reads it.
   */
  async #taskOf(job: Job<TaskJobData>): Promise<Task | null> {
    const queued = job.attemptsStarted <= 1 ? queuedTask(job.data) : null;
    return queued ?? this.#runtime.store.get({ id: job.data.taskId, owner: job.data.owner ?? null });
  }

  /** Run the attempt of `job`'s task and record how it ended; `attemptTrace` is told as it goes. */
  async #attempt(job: Job<TaskJobData>, token: string | undefined, attemptTrace: AttemptTrace, task: Task): Promise<void> {
    const { recorder, types, config, cancels } = this.#runtime;
    const logger = this.#runtime.logger.child({ taskId: task.id, type: task.type });

    // Listening for a cancel before the attempt starts, and reading a request that came while the
    // job was being taken alongside recording the start: a request heard while STARTED is written
    // stops the attempt as soon as it runs, and the read costs no round trip of its own.
    const running: RunningAttempt = { stop: new AbortController(), stoppedFor: null, reason: null };
    this.#running.set(task.id, running);
    // Only this attempt's entry: after a stall the same task may be delivered here again.
    const release = () => {
      if (this.#running.get(task.id) === running) this.#running.delete(task.id);
    };
    let started: Awaited<ReturnType<typeof recorder.record>>;
    try {
      let pending: { reason: string | null } | null;
      [started, pending] = await Promise.all([
        recorder.record(task, (t, now) => startAttempt(t, this.id, now, config.maxStalls)),
        cancels.pending(task.id),
      ]);
      if (pending) this.#stop(task.id, pending.reason);
    } catch (error) {
      release();
      throw error;
    }
    if (!started.ok || started.task.state !== 'RUNNING') {
      release();
      // Refused, or it stalled too often and FAILED instead.
      if (!started.ok) logger.info({ reason: started.reason }, 'not starting');
      return;
    }
    let current: Task = started.task;
    const attempt = current.attempt;
    attemptTrace.begin(current, this.id);
    const advanceTo = (next: Task | null) => {
      if (next && next.version > current.version) current = next;
    };

    // Progress and metadata share the coalescing: one PROGRESS write carries the newest of each.
    const progress = new ProgressCoalescer<RunningReport>(
      config.progressIntervalMs,
      async (report) => {
        try {
          const recorded = await recorder.record(current, (t, now) => reportProgress(t, attempt, report.progress ?? null, now, report.metadata));
          advanceTo(recorded.task);
        } catch (err) {
          logger.warn({ err }, 'could not record progress');
        }
      },
      (older, newer) => ({ ...older, ...newer }),
    );

    // Taken just as the drain period ended: hand it back at once.
    if (this.#handingBack) this.#handBack(current.id);
    let outcome: AttemptResult;
    try {
      const handler = this.#handlers.get(current.type);
      const { outputStore } = this.#runtime;
      // Only a task started before may hold output already: a first start reads nothing.
      const earlierOutput = mayHoldEarlierOutput(current);
      const [dependencies, heldBytes] = await Promise.all([
        handler ? dependenciesOf(this.#runtime.flowStore, current) : {},
        earlierOutput ? outputStore.outputBytes(current.id) : 0,
      ]);
      // Log lines and output chunks: batched apart from progress, on their own collections and channel.
      const output = new TaskOutputWriter({
        taskId: current.id,
        attempt,
        store: outputStore,
        bus: this.#runtime.outputBus,
        flushIntervalMs: config.output.flushIntervalMs,
        taskMaxBytes: config.output.taskMaxBytes,
        heldBytes,
        earlierOutput,
        bufferMaxBytes: config.output.bufferMaxBytes,
        onLogTruncated: async () => {
          const recorded = await recorder.record(current, (t, now) => logTruncated(t, attempt, config.output.logMaxLines, now));
          advanceTo(recorded.task);
        },
        logger,
      });
      outcome = handler
        ? await attemptTrace.run(() => runAttempt(handler, current, {
            dependencies,
            spawn: async (index, request) => {
              const child = await this.#runtime.children.spawn(current, index, request);
              await this.#runtime.childCoordinator.spawned(child);
              return child.id;
            },
            progress: (r) => progress.report({ progress: r }),
            metadata: (m) => progress.report({ metadata: m }),
            logger,
            output,
            chunkMaxBytes: config.output.chunkMaxBytes,
            cancelled: running.stop.signal,
            cancelGraceMs: config.cancelGraceMs,
          }))
        : { ok: false, error: { name: 'UnknownTaskTypeError', message: `this worker has no handler for task type "${current.type}"`, stack: null, retryable: false } };
      // Everything the attempt wrote is recorded before its end is, so a subscriber that sees the end has all of it.
      await Promise.all([progress.flush(), output.flush()]);
    } finally {
      release();
    }

    if (outcome.ok === 'cancelled' && running.stoppedFor === 'shutdown') {
      const reason = `worker ${this.id} shut down before attempt ${attempt} finished; handed back to the queue`;
      // Refused when the attempt is no longer ours (after a stall another worker may run the next).
      await recorder.record(current, (t, now) => handBack(t, attempt, reason, now));
      attemptTrace.ended('handed_back');
      await job.moveToWait(token);
      throw new WaitingError();
    }
    if (outcome.ok === 'cancelled') {
      const cancelled = await recorder.record(current, (t, now) => cancel(t, running.reason, now, attempt));
      // Refused when the attempt is no longer ours (after a stall another worker runs the next):
      // the request then stands for that worker's attempt.
      if (cancelled.ok) await cancels.clear(current.id);
      attemptTrace.ended('cancelled');
      return;
    }
    if (outcome.ok === 'deferred') {
      const { delayMs, reason } = outcome;
      const deferred = await recorder.record(current, (t, now) => defer(t, attempt, delayMs, reason, now, config.maxDeferrals));
      // Deferred once too often, the task FAILED instead.
      const failedInstead = deferred.ok && deferred.task.state === 'FAILED';
      attemptTrace.ended(failedInstead ? 'failed' : 'deferred', failedInstead ? deferred.task.error : null);
      if (deferred.ok && deferred.task.state === 'PENDING' && deferred.task.deferredUntil) {
        await job.moveToDelayed(deferred.task.deferredUntil.getTime(), token);
        throw new DelayedError();
      }
      return;
    }
    if (outcome.ok === 'waiting') {
      // The job ends here, holding no slot or lock: the children settle the task (child-coordinator.ts).
      await recorder.record(current, (t, now) => awaitChildren(t, attempt, now));
      attemptTrace.ended('waiting_for_children');
      return;
    }
    if (outcome.ok) {
      const result = config.discardResultsFor.has(current.type) ? null : outcome.result;
      await recorder.record(current, (t, now) => succeed(t, attempt, result, now));
      attemptTrace.ended('succeeded');
      return;
    }
    const type = types.get(current.type);
    const delay = retryDelayMs(type?.backoff ?? { type: 'fixed', delayMs: 0 }, attempt);
    const failed = await recorder.record(current, (t, now) => failAttempt(t, attempt, outcome.error, delay, now));
    attemptTrace.ended(failed.ok && failed.task.state === 'RETRYING' ? 'retrying' : 'failed', outcome.error);
    if (failed.ok && failed.task.state === 'RETRYING' && failed.event.nextRunAt) {
      await job.moveToDelayed(failed.event.nextRunAt.getTime(), token);
      throw new DelayedError();
    }
  }
}

/** `handlers` by type name, once they are known to fit the runtime's declared types. */
function checkedHandlers(runtime: Runtime, handlers: readonly AnyTaskHandler[], queues: readonly string[]): Map<string, AnyTaskHandler> {
  const byName = new Map<string, AnyTaskHandler>();
  for (const handler of handlers) {
    const { name } = handler.type;
    if (byName.has(name)) throw new Error(`task type "${name}" has two handlers`);
    if (runtime.types.get(name) !== handler.type) throw new Error(`the handler of "${name}" runs a task type this process does not declare`);
    byName.set(name, handler);
  }
  const served = new Set(queues);
  const missing = runtime.types.list().filter((type) => served.has(type.queue) && !byName.has(type.name));
  if (missing.length > 0) {
    throw new Error(`no handler for task type${missing.length > 1 ? 's' : ''} ${missing.map((t) => `"${t.name}" (queue ${t.queue})`).join(', ')}`);
  }
  return byName;
}
