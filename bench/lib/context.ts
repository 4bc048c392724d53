/**
 * What every scenario shares: the servers, an isolated namespace (database and Redis prefix) per
 * scenario, taskql processes and load-generator children started and stopped in one place, and
 * the few load-shaping helpers (bounded concurrency, a fixed rate) all scenarios use.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { Cluster, Redis, type RedisOptions } from 'ioredis';
import { MongoClient, type Db } from 'mongodb';
import type { LocalMongoServer, LocalServers } from '../../scripts/local-servers.ts';
import { PACKAGE_ROOT } from '../../src/package-root.ts';
import type { RedisConnection } from '../../src/redis/connections.ts';
import { parseRedisNodes } from '../../src/redis/topology.ts';
import { startProcess, type TaskqlProcess } from '../../test/support/processes.ts';
import { memoryReportOf } from './memory-report.ts';

/**
 * Wall-clock time in milliseconds with sub-millisecond resolution. Within one process it is
 * monotonic; across processes on one machine it agrees to well under a millisecond, which is
 * what lets a subscriber process time an event triggered by another.
 */
export function wallNow(): number {
  return performance.timeOrigin + performance.now();
}

/** One scenario's own database and Redis prefix, so scenarios and runs never see each other's data. */
export interface Namespace {
  db: Db;
  prefix: string;
  /** The environment of a taskql process working in this namespace. */
  env: Record<string, string>;
}

/** Options of a whole run. */
export interface RunOptions {
  quick: boolean;
  /** The MongoDB-compatible server started for the run; none for MONGO_URL's. */
  mongoServer?: LocalMongoServer;
  /** Directory for CPU profiles and MongoDB command counts of the taskql processes (`cpu-profile.ts`, `mongo-commands.ts`); none when unset. */
  profileDir?: string;
}

export class BenchContext {
  readonly options: RunOptions;
  readonly servers: LocalServers;
  readonly mongo: MongoClient;
  readonly #runId = Date.now().toString(36);
  readonly #cleanups: (() => Promise<void>)[] = [];

  private constructor(options: RunOptions, servers: LocalServers, mongo: MongoClient) {
    this.options = options;
    this.servers = servers;
    this.mongo = mongo;
  }

  /** Connect to the servers (the caller owns them and stops them after `close`). */
  static async open(options: RunOptions, servers: LocalServers): Promise<BenchContext> {
    const mongo = new MongoClient(servers.mongoUrl, { ignoreUndefined: true });
    await mongo.connect();
    return new BenchContext(options, servers, mongo);
  }

  /** A fresh namespace for scenario `name`; its database is dropped at `close`. */
  namespace(name: string): Namespace {
    const dbName = `bench_${name.replace(/\W/g, '_')}_${this.#runId}`;
    const prefix = `bench.${name}.${this.#runId}`;
    const db = this.mongo.db(dbName);
    this.#cleanups.push(() => db.dropDatabase().then(() => {}));
    return {
      db,
      prefix,
      env: {
        MONGO_URL: this.servers.mongoUrl,
        MONGO_DB: dbName,
        ...this.servers.redisEnv,
        REDIS_PREFIX: prefix,
        GRAPHIQL: 'false',
        CLEANUP_INTERVAL_MS: '3600000',
        // One anonymous owner drives the whole load, so the per-owner limits meant to stop one
        // client hogging a deployment are lifted: they would measure the limits, not the code.
        AUTH_DISABLED: 'true',
        RATE_LIMIT_MUTATIONS: '100000000',
        RATE_LIMIT_SUBSCRIPTIONS: '100000000',
        MAX_SOCKETS_PER_OWNER: '100000',
        MAX_SUBSCRIPTIONS_PER_SOCKET: '100000',
      },
    };
  }

  /**
   * Start a taskql API or worker process in `ns`, from the build (`dist/`, which `run.ts` makes
   * first); it is stopped at `close` unless stopped before. `imports` are built modules to load
   * first (task types a scenario needs).
   */
  async taskql(kind: 'api' | 'worker', ns: Namespace, env: Record<string, string> = {}, imports: readonly string[] = []): Promise<TaskqlProcess> {
    const { profileDir } = this.options;
    const started = await startProcess(
      kind,
      { ...ns.env, ...(profileDir && { CPU_PROFILE_DIR: profileDir, CPU_PROFILE_NAME: kind }), ...env },
      { built: true, imports: ['dist/bench/lib/gc-on-signal.js', ...(profileDir ? ['dist/bench/lib/cpu-profile.js', 'dist/bench/lib/mongo-commands.js'] : []), ...imports] },
    );
    this.#cleanups.push(() => started.stop());
    return started;
  }

  /**
   * Fork a load-generator child (`bench/children/<name>.ts`, from the build in `dist/bench/`) with
   * an IPC channel; it is killed at `close` unless it has exited before. In a `--profile` run it is
   * profiled like the taskql processes, so a baseline's profile can be set beside taskql's.
   */
  child(name: string, env: Record<string, string> = {}): ChildProcess {
    const { profileDir } = this.options;
    const built = (path: string) => join(PACKAGE_ROOT, 'dist', 'bench', path);
    const imports = ['lib/gc-on-signal.js', ...(profileDir ? ['lib/cpu-profile.js'] : [])].flatMap((path) => ['--import', built(path)]);
    const child = fork(built(`children/${name}.js`), [], {
      execArgv: imports,
      env: { ...process.env, ...(profileDir && { CPU_PROFILE_DIR: profileDir, CPU_PROFILE_NAME: name }), ...env },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    this.#cleanups.push(() => stopChild(child));
    return child;
  }

  /**
   * A Redis connection to the run's Redis (one server, or a cluster when `servers.redisEnv`
   * names its nodes), closed at the next `release`. `options` apply to each server connection.
   */
  redis(options: RedisOptions = {}): RedisConnection {
    const nodes = this.servers.redisEnv['REDIS_CLUSTER_NODES'];
    const connection = nodes
      ? new Cluster(parseRedisNodes(nodes).map((node) => ({ ...node })), { redisOptions: options, shardedSubscribers: true })
      : new Redis(this.servers.redisUrl, options);
    this.defer(() => connection.disconnect());
    return connection;
  }

  /** Run `cleanup` at the next `release` (closing a scenario's connections, for instance). */
  defer(cleanup: () => unknown): void {
    this.#cleanups.push(async () => {
      await cleanup();
    });
  }

  /**
   * Undo everything since the last release, newest first: stop the processes, close what was
   * deferred, drop the namespaces' databases. The runner calls it after each scenario, however
   * the scenario ended.
   */
  async release(): Promise<void> {
    for (let cleanup = this.#cleanups.pop(); cleanup; cleanup = this.#cleanups.pop()) await cleanup().catch(() => {});
  }

  /** Release everything and disconnect. */
  async close(): Promise<void> {
    await this.release();
    await this.mongo.close();
  }
}

/** SIGTERM a child, SIGKILL it if it has not exited within 5 s; resolves once it has exited. */
export async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}

/** The next IPC message of `child` that `accept` recognises, or an error after `timeoutMs`. */
export function nextMessage<T>(child: ChildProcess, accept: (message: unknown) => message is T, timeoutMs: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => finish(new Error(`no answer from child ${child.pid} within ${timeoutMs} ms`)), timeoutMs);
    const onMessage = (message: unknown) => {
      if (accept(message)) finish(null, message);
    };
    const onExit = (code: number | null) => finish(new Error(`child ${child.pid} exited (${code}) before answering`));
    function finish(error: Error | null, message?: T) {
      clearTimeout(timer);
      child.off('message', onMessage);
      child.off('exit', onExit);
      if (error) reject(error);
      else resolve(message!);
    }
    child.on('message', onMessage);
    child.once('exit', onExit);
  });
}

/** How long `memoryOf` waits, once a process has collected its garbage, for it to return the freed pages. */
const GC_SETTLE_MS = 1_000;
/** How long a process may take to collect its garbage and say so. */
const GC_TIMEOUT_MS = 30_000;

/** What a server holds: resident memory, and V8's heap plus memory outside it (buffers), in bytes. */
export interface MemoryReading {
  rss: number;
  heap: number;
}

/**
 * The memory of process `pid` once it has collected its garbage: the process must have loaded
 * `gc-on-signal.ts` (SIGUSR2 would end it otherwise). Resident memory comes from Linux `/proc`.
 */
export async function memoryOf(pid: number): Promise<MemoryReading> {
  const report = memoryReportOf(pid);
  await rm(report, { force: true });
  process.kill(pid, 'SIGUSR2');
  const deadline = Date.now() + GC_TIMEOUT_MS;
  let usage: NodeJS.MemoryUsage | undefined;
  while (!usage) {
    usage = await readFile(report, 'utf8').then((text) => JSON.parse(text) as NodeJS.MemoryUsage, () => undefined);
    if (!usage && Date.now() > deadline) throw new Error(`process ${pid} did not report its memory within ${GC_TIMEOUT_MS / 1000} s`);
    if (!usage) await sleep(50);
  }
  await rm(report, { force: true });
  await sleep(GC_SETTLE_MS);
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kb = /^VmRSS:\s+(\d+) kB/m.exec(status)?.[1];
  if (!kb) throw new Error(`no VmRSS for process ${pid}`);
  return { rss: Number(kb) * 1024, heap: usage.heapUsed + usage.external };
}

/** Run `task(0 … count-1)` with at most `concurrency` at a time; resolves when all have ended. */
export async function pool(count: number, concurrency: number, task: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < count) await task(next++);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, lane));
}

/**
 * Call `fire(0 … count-1)` at a fixed `perSecond` rate, on schedule from the start (a late tick
 * fires every call that is due, so the offered load does not sag when the process is busy).
 * `fire` must not block: what it starts runs on while later calls fire. Resolves after the last call.
 */
export async function paced(perSecond: number, count: number, fire: (i: number) => void): Promise<void> {
  const start = performance.now();
  const interval = 1000 / perSecond;
  for (let i = 0; i < count; ) {
    const due = start + i * interval;
    const wait = due - performance.now();
    if (wait > 1) await sleep(Math.floor(wait));
    else if (wait > 0) await new Promise((resolve) => setImmediate(resolve));
    while (i < count && start + i * interval <= performance.now()) fire(i++);
  }
}

/** `promise`, or an error naming `what` after `ms`. */
export async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what}: not done within ${ms} ms`)), ms))),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
