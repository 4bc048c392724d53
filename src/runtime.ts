/**
 * The composition root: connects to MongoDB and Redis and wires the pieces every taskql process
 * (API or worker) shares. Entry points (`src/main.ts`, `worker/main.ts`) and tests start here.
 */
import { MongoClient, type Db } from 'mongodb';
import type { Config } from './config.ts';
import { CancelRequests } from './events/cancel-requests.ts';
import { EventBus } from './events/event-bus.ts';
import { FlowChanges } from './events/flow-changes.ts';
import { QueueStatsFeeds } from './events/queue-stats-feeds.ts';
import { TaskFeeds } from './events/task-feeds.ts';
import { TaskOutputBus } from './events/task-output-bus.ts';
import { TaskStreams } from './events/task-stream.ts';
import type { Logger } from './logger.ts';
import { FlowLimiter } from './queue/flow-limiter.ts';
import { TaskQueues } from './queue/task-queues.ts';
import { WorkerRegistry } from './queue/worker-registry.ts';
import { createRedisConnection, type RedisConnection } from './redis/connections.ts';
import { PubSub } from './redis/pubsub.ts';
import { ChildCoordinator } from './service/child-coordinator.ts';
import { ChildService } from './service/child-service.ts';
import { FlowCoordinator } from './service/flow-coordinator.ts';
import { FlowService } from './service/flow-service.ts';
import { QueueService } from './service/queue-service.ts';
import { ScheduleService } from './service/schedule-service.ts';
import { Scheduler } from './service/scheduler.ts';
import { TaskOutputService } from './service/task-output-service.ts';
import { TaskRecorder } from './service/task-recorder.ts';
import { TaskService } from './service/task-service.ts';
import { ChildStore } from './store/child-store.ts';
import { FlowStore } from './store/flow-store.ts';
import { ScheduleStore } from './store/schedule-store.ts';
import { TaskOutputStore } from './store/task-output-store.ts';
import { TaskStore } from './store/task-store.ts';
import { TaskTypeRegistry } from './tasks/registry.ts';
import type { AnyTaskType } from './tasks/task-type.ts';

/** How many lock periods (WORKER_LOCK_MS) an admitted task's slot is kept for it before it starts. */
const ADMIT_LEASES_PER_LOCK = 4;

/** Everything a taskql process works with. */
export interface Runtime {
  config: Config;
  logger: Logger;
  db: Db;
  /** A Redis connection for ordinary commands that fails fast while Redis is away. */
  redis: RedisConnection;
  store: TaskStore;
  bus: EventBus;
  /** Log lines and output chunks of tasks in MongoDB. */
  outputStore: TaskOutputStore;
  /** Log and output batches over Redis, one channel per task. */
  outputBus: TaskOutputBus;
  cancels: CancelRequests;
  recorder: TaskRecorder;
  types: TaskTypeRegistry;
  queues: TaskQueues;
  /** Per-key concurrency and rate limits (docs/flow-control.md). */
  limiter: FlowLimiter;
  workers: WorkerRegistry;
  tasks: TaskService;
  /** Task logs and output streams, as the API serves them. */
  output: TaskOutputService;
  queueService: QueueService;
  /** Turns schedules' due times into tasks; workers tick it (`worker/scheduler.ts`). */
  scheduler: Scheduler;
  schedules: ScheduleService;
  /** Flows of dependent tasks: submitted and cancelled here, moved on by `flowCoordinator`. */
  flows: FlowService;
  flowStore: FlowStore;
  flowChanges: FlowChanges;
  flowCoordinator: FlowCoordinator;
  /** Children spawned by handlers: stored here, settled and cancelled by `childCoordinator`. */
  children: ChildService;
  childStore: ChildStore;
  childCoordinator: ChildCoordinator;
  feeds: TaskFeeds;
  streams: TaskStreams;
  queueStatsFeeds: QueueStatsFeeds;
  close(): Promise<void>;
}

/**
 * Connect and wire. Resolves once MongoDB has answered and the event bus is subscribed, so the
 * process is ready to serve when it resolves.
 *
 * @param types the declared task types to register (`src/tasks/catalog.ts`); handlers are the
 *   worker's business and not needed here
 * @param now the clock that decides when a change happened and whether a task has expired (tests
 *   move it on instead of waiting)
 */
export async function startRuntime(
  config: Config,
  logger: Logger,
  types: readonly AnyTaskType[],
  now: () => Date = () => new Date(),
): Promise<Runtime> {
  const mongo = new MongoClient(config.mongoUrl, {
    appName: 'taskql',
    serverSelectionTimeoutMS: config.dependencyTimeoutMs,
    ignoreUndefined: true,
  });
  await mongo.connect();
  const db = mongo.db(config.mongoDatabase);

  const commands = createRedisConnection(config.redis, 'commands', config.dependencyTimeoutMs);
  const publisher = createRedisConnection(config.redis, 'publisher', config.dependencyTimeoutMs);
  const subscriber = createRedisConnection(config.redis, 'subscriber', config.dependencyTimeoutMs);
  const connections = [['commands', commands], ['publisher', publisher], ['subscriber', subscriber]] as const;
  for (const [name, connection] of connections) {
    connection.on('error', (err) => logger.warn({ err, connection: name }, 'Redis connection error'));
  }
  await Promise.all(connections.map(([, connection]) => connection.connect()));

  const store = new TaskStore(db, now);
  await store.ensureIndexes();
  const scheduleStore = new ScheduleStore(db);
  await scheduleStore.ensureIndexes();
  const outputStore = new TaskOutputStore(db, { maxLogLines: config.output.logMaxLines });
  await outputStore.ensureIndexes();
  const pubsub = new PubSub(publisher, subscriber);
  const bus = new EventBus(pubsub, config.redisPrefix);
  await bus.start();
  const outputBus = new TaskOutputBus(pubsub, config.redisPrefix);
  const cancels = new CancelRequests(commands, pubsub, config.redisPrefix);
  const recorder = new TaskRecorder(store, bus, logger, now);
  const registry = new TaskTypeRegistry(types);
  const limiter = new FlowLimiter(commands, config.redisPrefix, (type) => registry.limits(type), {
    runLeaseMs: config.workerLockMs,
    // Long enough for an admitted task to wait its turn behind other keys' tasks in BullMQ.
    admitLeaseMs: ADMIT_LEASES_PER_LOCK * config.workerLockMs,
  });
  const queues = new TaskQueues(commands, config.redisPrefix, config.dependencyTimeoutMs, limiter);
  const workers = new WorkerRegistry(commands, config.redisPrefix, 3 * config.workerHeartbeatMs);
  const queueService = new QueueService({ store, workers, types: registry, queues, configuredQueues: config.workerQueues ?? [], queueLimits: config.queueLimits, limiter });
  const feeds = new TaskFeeds(bus);
  const streams = new TaskStreams(bus, {
    read: async (ref, withEvents) => {
      if (withEvents) return store.getWithEvents(ref, 0);
      const task = await store.get(ref);
      return task && { task, events: [] };
    },
    versions: (refs) => store.versions(refs),
  });
  // At most two recounts a second per queue, as the contract promises; a slow refresh besides.
  const queueStatsFeeds = new QueueStatsFeeds(bus, (owner, queue) => queueService.count(owner, queue), {
    minIntervalMs: 500,
    refreshMs: config.workerHeartbeatMs,
  });
  const tasks = new TaskService({
    store,
    queues,
    streams,
    cancels,
    recorder,
    types: registry,
    feeds,
    // A margin over the worker's grace period covers the writes that follow the handler's stop.
    settings: {
      maxInputBytes: config.limits.inputBytes,
      resultTtlSeconds: config.resultTtlSeconds,
      cancelWaitMs: config.cancelGraceMs + 2000,
      configuredQueues: config.workerQueues ?? [],
    },
  });
  const output = new TaskOutputService({ store: outputStore, bus: outputBus, tasks });
  const scheduler = new Scheduler({
    schedules: scheduleStore,
    tasks,
    store,
    logger,
    settings: { latenessMs: config.scheduleLatenessMs },
  });
  const schedules = new ScheduleService({ schedules: scheduleStore, tasks, scheduler });
  const flowStore = new FlowStore(db, now);
  await flowStore.ensureIndexes();
  const flowChanges = new FlowChanges(pubsub, config.redisPrefix);
  const flowCoordinator = new FlowCoordinator({ flows: flowStore, recorder, queues, changes: flowChanges, logger, now });
  // Whatever process records a flow task's change carries out what follows from it.
  recorder.observe((change) => flowCoordinator.afterChange(change));
  const flows = new FlowService({ flows: flowStore, store, queues, recorder, tasks, changes: flowChanges, coordinator: flowCoordinator });
  const childStore = new ChildStore(db, now);
  await childStore.ensureIndexes();
  const childCoordinator = new ChildCoordinator({ children: childStore, store, recorder, tasks });
  // Likewise for what a parent's or a child's change sets off.
  recorder.observe((change) => childCoordinator.afterChange(change));
  const children = new ChildService({ tasks, store, children: childStore });

  return {
    config,
    logger,
    db,
    redis: commands,
    store,
    bus,
    outputStore,
    outputBus,
    cancels,
    recorder,
    types: registry,
    queues,
    limiter,
    workers,
    tasks,
    output,
    queueService,
    scheduler,
    schedules,
    flows,
    flowStore,
    flowChanges,
    flowCoordinator,
    children,
    childStore,
    childCoordinator,
    feeds,
    streams,
    queueStatsFeeds,
    async close() {
      await flowCoordinator.settled();
      await queues.close();
      for (const [, connection] of connections) connection.disconnect();
      await mongo.close();
    },
  };
}
