/**
 * Throwaway MongoDB and Redis servers for `npm run dev` and `npm test`: each is taken from
 * MONGO_URL / REDIS_URL when set, otherwise started on a free 127.0.0.1 port in a fresh temporary
 * directory — `redis-server` (else Redis through redis-memory-server, which builds it on first
 * use), or with `redisTopology` a Redis Cluster of 3 masters and 3 replicas or a Sentinel-watched
 * master (TASKQL_TEST_REDIS picks one for `npm test` and `npm run dev`), and the MongoDB-compatible
 * server TASKQL_TEST_MONGO names: `ferretdb` (SQLite) or
 * `mongo-java-server` (docs/test-servers.md says what each can show); unset, FerretDB or else
 * `mongod` through mongodb-memory-server. A FerretDB started here gets the `_id` index its queries
 * use (`ferretdb-id-indexes.ts`), unless TASKQL_FERRETDB_PATCH=off asks for a plain one, as
 * anyone running their own FerretDB has.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { homedir, tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { MongoClient } from 'mongodb';
import { FerretDbIdIndexes } from './ferretdb-id-indexes.ts';
import { startWatchdog, type Watchdog } from './watchdog.ts';

/** The MongoDB-compatible servers TASKQL_TEST_MONGO can name. */
export const LOCAL_MONGO_SERVERS = ['ferretdb', 'mongo-java-server'] as const;

/** A MongoDB-compatible server {@link startLocalServers} can start. */
export type LocalMongoServer = (typeof LOCAL_MONGO_SERVERS)[number];

/** What serves a MongoDB URL, as {@link identifyMongo} tells it from the server's answers. */
export type MongoServerKind = 'FerretDB' | 'mongo-java-server' | 'MongoDB';

/** The Redis topologies TASKQL_TEST_REDIS can name: one server, a cluster, a Sentinel setup. */
export const LOCAL_REDIS_TOPOLOGIES = ['single', 'cluster', 'sentinel'] as const;

/** A Redis topology {@link startLocalRedis} can start. */
export type LocalRedisTopology = (typeof LOCAL_REDIS_TOPOLOGIES)[number];

/** The master name of a Sentinel setup started here. */
export const LOCAL_SENTINEL_NAME = 'mymaster';

/** The MongoDB and Redis servers to use, and how to stop the ones that were started. */
export interface LocalServers {
  /** `mongodb://127.0.0.1:<port>/` (no database name), or MONGO_URL when set. */
  mongoUrl: string;
  /**
   * `redis://127.0.0.1:<port>`, or REDIS_URL when set; of a cluster or Sentinel setup, one of its
   * servers (a seed node, the first master), for tools that talk to one server. taskql processes
   * get `redisEnv`.
   */
  redisUrl: string;
  /**
   * The variables that name the Redis to taskql: `REDIS_URL`, or `REDIS_CLUSTER_NODES`, or
   * `REDIS_SENTINELS` with `REDIS_SENTINEL_NAME`.
   */
  redisEnv: Record<string, string>;
  /** The servers of a cluster or Sentinel setup started here, which fault tests stop and start again. */
  redisNodes?: LocalRedisNode[];
  /** Stops the servers that were started and removes their directories; safe to call twice. */
  stop(): Promise<void>;
  /** One human line saying which servers these are and where, for logs. */
  describe: string;
  /**
   * The MongoDB-compatible server, when it was started here and keeps its data across a restart:
   * FerretDB, or mongo-java-server with `persistMongo` (not MONGO_URL, not mongod).
   */
  mongo?: RestartableServer;
  /** The Redis server, when it was started here (not REDIS_URL). */
  redis?: RestartableServer;
}

/**
 * A server started here that fault tests stop and start again: same port, same data directory,
 * so clients reconnect to the same address and find what the server had persisted.
 */
export interface RestartableServer {
  /** Stops the server process (SIGTERM, then SIGKILL) and keeps its data directory. */
  halt(): Promise<void>;
  /** Starts the server again after `halt`; resolves once it answers. */
  resume(): Promise<void>;
}

/** One server of a Redis Cluster or Sentinel setup started here. */
export interface LocalRedisNode {
  port: number;
  /** What it was started as: a cluster node (master or replica as the cluster decides), or a Sentinel setup's data server or sentinel. */
  kind: 'cluster-node' | 'data' | 'sentinel';
  control: RestartableServer;
}

/** Options of {@link startLocalServers}. */
export interface StartLocalServersOptions {
  /** Receives progress lines (which binary is started, what is missing); default: none. */
  log?: (line: string) => void;
  /**
   * Where MONGO_URL and REDIS_URL are looked up; default `process.env`. Pass `{}` for servers of
   * your own whatever the environment says (tests that stop a server do).
   */
  env?: Record<string, string | undefined>;
  /**
   * Give a started redis-server append-only persistence, so a restarted Redis still has its
   * queued jobs (as in production); default false: its data dies with the process.
   */
  persistRedis?: boolean;
  /**
   * Give a started mongo-java-server the H2 backend (a data file in its directory) rather than
   * memory, so a restarted server still has its data; default false. FerretDB keeps its data in
   * SQLite files either way.
   */
  persistMongo?: boolean;
  /**
   * Which MongoDB-compatible server to start when MONGO_URL is unset; default TASKQL_TEST_MONGO
   * from `process.env` (not from `env`: it chooses the server of a whole test run, tests that
   * start servers of their own included), and when that is unset, FerretDB or else mongod.
   */
  mongoServer?: LocalMongoServer;
  /**
   * Which Redis to start when the environment names none (REDIS_URL, REDIS_CLUSTER_NODES,
   * REDIS_SENTINELS); default `single`. Callers that follow TASKQL_TEST_REDIS pass
   * `redisTopologyFromEnv(process.env)`.
   */
  redisTopology?: LocalRedisTopology;
}

/** One server in use: started here (and then stopped by `stop`) or given by the environment. */
interface Server {
  url: string;
  describe: string;
  stop(): Promise<void>;
  /** Present when the server was started here and can be restarted. */
  control?: RestartableServer;
}

/** A Redis in use, of any topology: a {@link Server} with the variables that name it. */
interface RedisInUse extends Server {
  env: Record<string, string>;
  nodes?: LocalRedisNode[];
}

const READY_TIMEOUT_MS = 30_000;
const KILL_AFTER_MS = 3_000;
/** How much of a server's output to keep for error messages. */
const OUTPUT_TAIL_CHARS = 4_000;

const INSTALL_REDIS = 'Install Redis (apt-get install redis-server / brew install redis), or set REDIS_URL';
const INSTALL_SQLITE3 = 'Install it (apt-get install sqlite3 / brew install sqlite): see scripts/ferretdb-id-indexes.ts';
const INSTALL_FERRETDB = 'Install FerretDB (.ci/install-servers.sh builds v1.24.2 with Go, see docs/development.md, "Servers for development")';
const INSTALL_JAVA = 'Install a JDK 17 or later (apt-get install openjdk-17-jdk-headless / brew install openjdk@17) or set JAVA_HOME';
const INSTALL_MONGO_JAVA_SERVER = 'Run .ci/install-servers.sh: it builds mongo-java-server and its launcher with Maven';
/** The launcher `mvn package` builds (scripts/mongo-java-server/pom.xml). */
const MONGO_JAVA_SERVER_JAR = fileURLToPath(new URL('mongo-java-server/target/taskql-mongo-java-server.jar', import.meta.url));
const INSTALL_MONGO =
  'Install FerretDB (.ci/install-servers.sh builds v1.24.2 with Go, see docs/development.md, "Servers for development") ' +
  'or MongoDB (mongod on the PATH), or set MONGO_URL';

/**
 * Finds or starts MongoDB and Redis, and resolves once both answer. A URL in MONGO_URL /
 * REDIS_URL is used as is; otherwise a throwaway server is started, which `stop()` ends — and
 * which also ends when this process dies without calling it (a watchdog process kills it).
 *
 * @throws Error saying, for each server that could not be had, what was tried and what to
 *   install — or with the server's output when one failed to start. Its message is meant to be
 *   shown alone, without a stack.
 */
export async function startLocalServers(opts: StartLocalServersOptions = {}): Promise<LocalServers> {
  const log = opts.log ?? (() => {});
  const env = opts.env ?? process.env;
  const mongoServer = opts.mongoServer ?? mongoServerFromEnv(process.env);
  const givenRedis = givenRedisEnv(env);
  const needed = !env['MONGO_URL'] || !givenRedis;
  const watchdog = needed ? startWatchdog() : undefined;

  const [mongo, redis] = await Promise.allSettled([
    startMongo(env['MONGO_URL'], { log, watchdog, server: mongoServer, persist: opts.persistMongo ?? false }),
    givenRedis
      ? Promise.resolve(redisGiven(givenRedis))
      : startRedisOf(opts.redisTopology ?? 'single', { log, watchdog, persist: opts.persistRedis ?? false }),
  ]);
  if (mongo.status === 'rejected' || redis.status === 'rejected') {
    const started = [mongo, redis].flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
    await Promise.all(started.map((server) => server.stop()));
    watchdog?.dismiss();
    const errors = [mongo, redis].flatMap((result) => (result.status === 'rejected' ? [result.reason as unknown] : []));
    const advice = errors.map((error) => `- ${messageOf(error).replaceAll('\n', '\n  ')}`).join('\n');
    throw new Error(`No servers to run on; what was tried:\n${advice}`, {
      cause: errors.length === 1 ? errors[0] : new AggregateError(errors),
    });
  }

  let stopping: Promise<void> | undefined;
  return {
    mongoUrl: mongo.value.url,
    redisUrl: redis.value.url,
    redisEnv: redis.value.env,
    ...(redis.value.nodes ? { redisNodes: redis.value.nodes } : {}),
    describe: `${redis.value.describe}, ${mongo.value.describe}`,
    ...(mongo.value.control ? { mongo: mongo.value.control } : {}),
    ...(redis.value.control ? { redis: redis.value.control } : {}),
    stop: () =>
      (stopping ??= (async () => {
        await Promise.all([mongo.value.stop(), redis.value.stop()]);
        // Not before: should this process die while the servers are stopping, it must kill them.
        watchdog?.dismiss();
      })()),
  };
}

/** The Redis variables of `env` that name a Redis, when any does. */
function givenRedisEnv(env: Record<string, string | undefined>): Record<string, string> | undefined {
  const names = env['REDIS_CLUSTER_NODES']
    ? ['REDIS_CLUSTER_NODES']
    : env['REDIS_SENTINELS']
      ? ['REDIS_SENTINELS', 'REDIS_SENTINEL_NAME']
      : env['REDIS_URL']
        ? ['REDIS_URL']
        : [];
  if (names.length === 0) return undefined;
  return Object.fromEntries(names.flatMap((name) => (env[name] ? [[name, env[name]]] : [])));
}

/** The Redis the environment names, used as is. */
function redisGiven(env: Record<string, string>): RedisInUse {
  const url = env['REDIS_URL'] ?? `redis://${(env['REDIS_CLUSTER_NODES'] ?? '').split(',')[0]}`;
  const [name, value] = Object.entries(env)[0]!;
  return { url, env, describe: `Redis at ${withoutCredentials(value)} (${name})`, stop: async () => {} };
}

/** How {@link startRedisOf} starts servers. */
interface RedisStart {
  log: (line: string) => void;
  watchdog: Watchdog | undefined;
  persist: boolean;
}

async function startRedisOf(topology: LocalRedisTopology, start: RedisStart): Promise<RedisInUse> {
  if (topology === 'cluster') return startRedisCluster(start);
  if (topology === 'sentinel') return startRedisSentinel(start);
  const server = await startRedis(start.log, start.watchdog, start.persist);
  return { ...server, env: { REDIS_URL: server.url } };
}

/**
 * The topology TASKQL_TEST_REDIS names, or undefined when it is unset or empty.
 *
 * @throws Error when it names no topology {@link startLocalServers} can start.
 */
export function redisTopologyFromEnv(env: Record<string, string | undefined>): LocalRedisTopology | undefined {
  const name = env['TASKQL_TEST_REDIS'];
  if (!name) return undefined;
  const topology = LOCAL_REDIS_TOPOLOGIES.find((known) => known === name);
  if (!topology) throw new Error(`TASKQL_TEST_REDIS=${name}: it names one of ${LOCAL_REDIS_TOPOLOGIES.join(', ')}, or is unset.`);
  return topology;
}

/**
 * Starts a Redis of `topology` on free 127.0.0.1 ports alone (no MongoDB), for tools that need
 * only Redis — a benchmark comparing one Redis with a cluster, say. `stop()` ends it (and a
 * watchdog does, should this process die first).
 */
export async function startLocalRedis(
  topology: LocalRedisTopology,
  opts: { log?: (line: string) => void; persist?: boolean } = {},
): Promise<Omit<LocalServers, 'mongoUrl' | 'mongo'>> {
  const watchdog = startWatchdog();
  let redis: RedisInUse;
  try {
    redis = await startRedisOf(topology, { log: opts.log ?? (() => {}), watchdog, persist: opts.persist ?? false });
  } catch (error) {
    watchdog.dismiss();
    throw error;
  }
  let stopping: Promise<void> | undefined;
  return {
    redisUrl: redis.url,
    redisEnv: redis.env,
    ...(redis.nodes ? { redisNodes: redis.nodes } : {}),
    ...(redis.control ? { redis: redis.control } : {}),
    describe: redis.describe,
    stop: () =>
      (stopping ??= (async () => {
        await redis.stop();
        watchdog.dismiss();
      })()),
  };
}

/** How long a cluster node or sentinel waits before it takes an unanswering master for failed. */
const LOCAL_FAILOVER_AFTER_MS = 1_000;

/**
 * A Redis Cluster of 3 masters and 3 replicas (`redis-cli --cluster create`), each node in a
 * directory of its own, whose `nodes.conf` lets a stopped node rejoin when it is started again.
 * Resolves once every node sees the whole cluster serving every slot and every master has its
 * replica.
 */
async function startRedisCluster({ log, watchdog, persist }: RedisStart): Promise<RedisInUse> {
  const binary = findOnPath('redis-server');
  const cli = findOnPath('redis-cli');
  if (!binary || !cli) throw new Error(`A Redis Cluster needs redis-server and redis-cli on the PATH. ${INSTALL_REDIS}.`);
  const ports = await freePorts(6);
  log(`starting a Redis Cluster of 3 masters and 3 replicas on 127.0.0.1:${ports.join(',')}`);
  const nodes = await startNodes(
    ports.map((port) => ({
      port,
      kind: 'cluster-node' as const,
      args: [
        ...redisServerArgs(port, persist),
        '--cluster-enabled', 'yes',
        '--cluster-config-file', 'nodes.conf',
        '--cluster-node-timeout', String(LOCAL_FAILOVER_AFTER_MS),
        // A replica may take over however long it was cut off: a test's failover must happen.
        '--cluster-replica-validity-factor', '0',
      ],
    })),
    binary,
    watchdog,
  );
  try {
    await promisify(execFile)(cli, ['--cluster', 'create', ...ports.map((port) => `127.0.0.1:${port}`), '--cluster-replicas', '1', '--cluster-yes'], {
      timeout: 30_000,
    });
    await untilTrue('the cluster serves every slot on every node, and each master has a replica', async () => {
      const infos = await Promise.all(ports.map((port) => askRedis(port, (client) => client.cluster('INFO'))));
      if (!infos.every((info) => /cluster_state:ok/.test(info) && /cluster_slots_ok:16384/.test(info) && /cluster_known_nodes:6/.test(info))) return false;
      const replication = await Promise.all(ports.map((port) => askRedis(port, (client) => client.info('replication'))));
      return replication.filter((info) => /role:master/.test(info) && /connected_slaves:1/.test(info)).length === 3;
    });
  } catch (error) {
    await Promise.all(nodes.map((node) => node.stop()));
    throw error;
  }
  const list = ports.map((port) => `127.0.0.1:${port}`).join(',');
  return {
    url: `redis://127.0.0.1:${ports[0]}`,
    env: { REDIS_CLUSTER_NODES: list },
    describe: `Redis Cluster (3 masters, 3 replicas) on 127.0.0.1:${ports.join(',')}`,
    nodes: nodes.map(({ stop: _stop, ...node }) => node),
    stop: async () => {
      await Promise.all(nodes.map((node) => node.stop()));
    },
  };
}

/**
 * A Redis master with one replica, watched by 3 sentinels (`redis-server --sentinel`, quorum 2)
 * under {@link LOCAL_SENTINEL_NAME}. Resolves once every sentinel knows the replica and the other
 * sentinels, so that a failover can be agreed on.
 */
async function startRedisSentinel({ log, watchdog, persist }: RedisStart): Promise<RedisInUse> {
  const binary = findOnPath('redis-server');
  if (!binary) throw new Error(`A Sentinel setup needs redis-server on the PATH. ${INSTALL_REDIS}.`);
  const [master, replica, ...sentinels] = await freePorts(5) as [number, number, number, number, number];
  log(`starting Redis master 127.0.0.1:${master}, its replica :${replica} and sentinels :${sentinels.join(',')}`);
  const data = await startNodes(
    [
      { port: master, kind: 'data' as const, args: redisServerArgs(master, persist) },
      { port: replica, kind: 'data' as const, args: [...redisServerArgs(replica, persist), '--replicaof', '127.0.0.1', String(master)] },
    ],
    binary,
    watchdog,
  );
  const watchers = await startNodes(
    sentinels.map((port) => ({
      port,
      kind: 'sentinel' as const,
      // Sentinel rewrites its configuration file, which must be its own: written into its directory.
      config: [
        `port ${port}`,
        'bind 127.0.0.1',
        `sentinel monitor ${LOCAL_SENTINEL_NAME} 127.0.0.1 ${master} 2`,
        `sentinel down-after-milliseconds ${LOCAL_SENTINEL_NAME} ${LOCAL_FAILOVER_AFTER_MS}`,
        `sentinel failover-timeout ${LOCAL_SENTINEL_NAME} 10000`,
        '',
      ].join('\n'),
      args: ['sentinel.conf', '--sentinel'],
    })),
    binary,
    watchdog,
  ).catch(async (error: unknown) => {
    await Promise.all(data.map((node) => node.stop()));
    throw error;
  });
  const all = [...data, ...watchers];
  try {
    await untilTrue('every sentinel knows the replica and the other sentinels', async () => {
      const views = await Promise.all(
        sentinels.map((port) => askRedis(port, (client) => client.call('SENTINEL', 'MASTER', LOCAL_SENTINEL_NAME) as Promise<string[]>)),
      );
      return views.every((view) => {
        const field = (name: string) => Number(view[view.indexOf(name) + 1]);
        return field('num-slaves') >= 1 && field('num-other-sentinels') >= 2;
      });
    });
  } catch (error) {
    await Promise.all(all.map((node) => node.stop()));
    throw error;
  }
  return {
    url: `redis://127.0.0.1:${master}`,
    env: { REDIS_SENTINELS: sentinels.map((port) => `127.0.0.1:${port}`).join(','), REDIS_SENTINEL_NAME: LOCAL_SENTINEL_NAME },
    describe: `Redis master "${LOCAL_SENTINEL_NAME}" on 127.0.0.1:${master} with a replica on :${replica}, sentinels on :${sentinels.join(',')}`,
    nodes: all.map(({ stop: _stop, ...node }) => node),
    stop: async () => {
      // Sentinels first, so that they do not fail over a master that is merely being stopped.
      await Promise.all(watchers.map((node) => node.stop()));
      await Promise.all(data.map((node) => node.stop()));
    },
  };
}

/** The arguments of a throwaway redis-server on `port` in its working directory. */
function redisServerArgs(port: number, persist: boolean): string[] {
  return ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', persist ? 'yes' : 'no', '--dir', '.'];
}

/** Starts one redis-server per entry, each in a fresh directory; on a failure stops those already started. */
async function startNodes(
  specs: { port: number; kind: LocalRedisNode['kind']; args: string[]; config?: string }[],
  binary: string,
  watchdog: Watchdog | undefined,
): Promise<(LocalRedisNode & { stop: () => Promise<void> })[]> {
  const started = await Promise.allSettled(
    specs.map(async ({ port, kind, args, config }) => {
      const dir = await mkdtemp(join(tmpdir(), `taskql-redis-${kind}-`));
      if (config) await writeFile(join(dir, 'sentinel.conf'), config);
      const { stop, control } = await startProcess(`redis-server (${kind}, port ${port})`, binary, args, dir, watchdog, () => pingRedis(port));
      return { port, kind, control, stop };
    }),
  );
  const nodes = started.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
  const failure = started.find((result) => result.status === 'rejected');
  if (failure) {
    await Promise.all(nodes.map((node) => node.stop()));
    throw failure.reason;
  }
  return nodes;
}

/** Asks the redis-server on `port` something over a connection of its own. */
async function askRedis<T>(port: number, ask: (client: Redis) => Promise<T>): Promise<T> {
  const client = new Redis({ host: '127.0.0.1', port, lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0, connectTimeout: 1_000 });
  client.on('error', () => {});
  try {
    await client.connect();
    return await ask(client);
  } finally {
    client.disconnect();
  }
}

/** Resolves once `check` answers true (its errors count as false); rejects after READY_TIMEOUT_MS. */
async function untilTrue(what: string, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (!(await check().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`not within ${READY_TIMEOUT_MS / 1000} s: ${what}`);
    await sleep(100);
  }
}

async function startRedis(log: (line: string) => void, watchdog: Watchdog | undefined, persist: boolean): Promise<Server> {
  const binary = findOnPath('redis-server');
  if (!binary) {
    log('redis-server not found on the PATH; trying Redis through redis-memory-server');
    return startRedisMemoryServer(log);
  }
  const version = /\bv=(\S+)/.exec(await outputOf(binary, ['--version']))?.[1] ?? '(unknown version)';
  const port = await freePort();
  const dir = await mkdtemp(join(tmpdir(), 'taskql-redis-'));
  log(`starting redis-server ${version} on 127.0.0.1:${port}`);
  // Persistence, when asked for, is the append-only file (flushed on a SIGTERM shutdown); the data
  // is thrown away with the directory either way.
  const args = redisServerArgs(port, persist);
  const { stop, control } = await startProcess('redis-server', binary, args, dir, watchdog, () => pingRedis(port));
  return { url: `redis://127.0.0.1:${port}`, describe: `redis-server ${version} on 127.0.0.1:${port}`, stop, control };
}

/**
 * Redis through redis-memory-server: REDISMS_SYSTEM_BINARY, else the binary it built before (in
 * node_modules/.cache), else one it downloads and builds now (needs internet and `make`). The
 * binary is found first, so that a failed download is one line here, not the library's warning.
 */
async function startRedisMemoryServer(log: (line: string) => void): Promise<Server> {
  let systemBinary: string;
  try {
    // Loaded only here: it is a devDependency, and rarely needed.
    const { RedisBinary } = await import('redis-memory-server');
    log('redis-memory-server: finding or building redis-server (the first build downloads Redis and takes a few minutes)');
    systemBinary = await RedisBinary.getPath();
  } catch (error) {
    throw new Error(
      `No Redis: redis-server not found on the PATH, and redis-memory-server could not build one (${messageOf(error)}). ${INSTALL_REDIS}.`,
      { cause: error },
    );
  }
  const { RedisMemoryServer } = await import('redis-memory-server');
  const server = await RedisMemoryServer.create({ instance: { ip: '127.0.0.1' }, binary: { systemBinary } });
  const url = `redis://127.0.0.1:${await server.getPort()}`;
  log(`started redis-server through redis-memory-server at ${url}`);
  return {
    url,
    describe: `redis-server (redis-memory-server) on 127.0.0.1:${await server.getPort()}`,
    stop: async () => {
      await server.stop();
    },
  };
}

/**
 * The server TASKQL_TEST_MONGO names, or undefined when it is unset or empty.
 *
 * @throws Error when it names no server {@link startLocalServers} can start.
 */
export function mongoServerFromEnv(env: Record<string, string | undefined>): LocalMongoServer | undefined {
  const name = env['TASKQL_TEST_MONGO'];
  if (!name) return undefined;
  const server = LOCAL_MONGO_SERVERS.find((known) => known === name);
  if (!server) throw new Error(`TASKQL_TEST_MONGO=${name}: it names one of ${LOCAL_MONGO_SERVERS.join(', ')}, or is unset.`);
  return server;
}

/**
 * What serves `url`: FerretDB says so in `buildInfo`, mongo-java-server says `process: "java"`
 * in `serverStatus` (MongoDB says `mongod` or `mongos`); anything else is taken for MongoDB.
 * For tests that only some servers can answer, and for logs.
 */
export async function identifyMongo(url: string): Promise<MongoServerKind> {
  const client = new MongoClient(url, { serverSelectionTimeoutMS: 10_000 });
  try {
    const admin = client.db('admin');
    if (typeof (await admin.command({ buildInfo: 1 }))['ferretdbVersion'] === 'string') return 'FerretDB';
    return (await admin.command({ serverStatus: 1 }))['process'] === 'java' ? 'mongo-java-server' : 'MongoDB';
  } finally {
    await client.close();
  }
}

/** How {@link startMongo} starts a server when MONGO_URL is unset. */
interface MongoStart {
  log: (line: string) => void;
  watchdog: Watchdog | undefined;
  /** The server asked for; undefined: FerretDB, or else mongod. */
  server: LocalMongoServer | undefined;
  /** Whether a mongo-java-server keeps its data in a file (H2) rather than in memory. */
  persist: boolean;
}

async function startMongo(given: string | undefined, start: MongoStart): Promise<Server> {
  if (given) return { url: given, describe: `MongoDB at ${withoutCredentials(given)} (MONGO_URL)`, stop: async () => {} };

  if (start.server === 'mongo-java-server') return startMongoJavaServer(start);
  const ferretdb = findOnPath('ferretdb') ?? (await findInGoBin('ferretdb'));
  if (ferretdb) return startFerretdb(ferretdb, start.log, start.watchdog);
  if (start.server === 'ferretdb') throw new Error(`ferretdb not found (PATH, go env GOBIN/GOPATH, ~/go/bin). ${INSTALL_FERRETDB}.`);
  start.log('ferretdb not found (PATH, go env GOBIN/GOPATH, ~/go/bin); trying mongod through mongodb-memory-server');
  return startMongod(start.log);
}

/**
 * mongo-java-server through taskql's launcher (scripts/mongo-java-server/): its data in memory,
 * or with `persist` in an H2 file in its directory, which a restart opens again. Only with
 * `persist` is it offered for restarts: from memory it would come back empty.
 */
async function startMongoJavaServer({ log, watchdog, persist }: MongoStart): Promise<Server> {
  const javaHome = process.env['JAVA_HOME'];
  const java = (javaHome ? firstExecutable([join(javaHome, 'bin', 'java')]) : undefined) ?? findOnPath('java');
  if (!java) throw new Error(`java not found (JAVA_HOME/bin, PATH): mongo-java-server runs on Java 17 or later. ${INSTALL_JAVA}.`);
  try {
    accessSync(MONGO_JAVA_SERVER_JAR, constants.R_OK);
  } catch {
    throw new Error(`${MONGO_JAVA_SERVER_JAR} not found: mongo-java-server is not built. ${INSTALL_MONGO_JAVA_SERVER}.`);
  }
  const port = await freePort();
  const dir = await mkdtemp(join(tmpdir(), 'taskql-mongo-java-server-'));
  const keeps = persist ? 'H2 file' : 'memory';
  log(`starting mongo-java-server (${keeps}) on 127.0.0.1:${port}`);
  const url = `mongodb://127.0.0.1:${port}/`;
  const args = ['-jar', MONGO_JAVA_SERVER_JAR, String(port), ...(persist ? [join(dir, 'data.mv.db')] : [])];
  const { stop, control } = await startProcess('mongo-java-server', java, args, dir, watchdog, () => pingMongo(url));
  return {
    url,
    describe: `mongo-java-server (${keeps}) on 127.0.0.1:${port}`,
    stop,
    ...(persist ? { control } : {}),
  };
}

async function startFerretdb(binary: string, log: (line: string) => void, watchdog: Watchdog | undefined): Promise<Server> {
  const version = /^version: (\S+)/m.exec(await outputOf(binary, ['--version']))?.[1] ?? '(unknown version)';
  const port = await freePort();
  const dir = await mkdtemp(join(tmpdir(), 'taskql-ferretdb-'));
  log(`starting FerretDB ${version} (SQLite) on 127.0.0.1:${port}`);
  const url = `mongodb://127.0.0.1:${port}/`;
  const args = [
    '--handler=sqlite',
    `--sqlite-url=file:${dir}/`,
    `--state-dir=${dir}`, // its default is the working directory
    `--listen-addr=127.0.0.1:${port}`,
    '--telemetry=disable',
    '--debug-addr=-',
    '--log-level=warn',
  ];
  const { stop, control } = await startProcess('FerretDB', binary, args, dir, watchdog, () => pingMongo(url));
  const patch = process.env['TASKQL_FERRETDB_PATCH'] !== 'off';
  const sqlite3 = patch ? findOnPath('sqlite3') : undefined;
  if (patch && !sqlite3) log(`sqlite3 not found: FerretDB will scan its whole collection on every lookup by _id. ${INSTALL_SQLITE3}.`);
  const idIndexes = sqlite3 ? new FerretDbIdIndexes(dir, sqlite3, log) : undefined;
  return {
    url,
    describe: `FerretDB ${version} (SQLite${idIndexes ? ', with the _id index its queries use' : patch ? '' : ', plain: TASKQL_FERRETDB_PATCH=off'}) on 127.0.0.1:${port}`,
    stop: async () => {
      await idIndexes?.stop();
      await stop();
    },
    control,
  };
}

/**
 * `mongod` through mongodb-memory-server: MONGOMS_SYSTEM_BINARY, else a `mongod` on the PATH, else
 * the binary it downloads. It removes its own directory and kills mongod when this process dies.
 */
async function startMongod(log: (line: string) => void): Promise<Server> {
  const onPath = findOnPath('mongod');
  try {
    // Loaded only here: it is a devDependency, and rarely needed.
    const { MongoBinary, MongoMemoryServer } = await import('mongodb-memory-server-core');
    // The binary first: a failed download is then one line of advice, not the library's warning.
    const systemBinary = await MongoBinary.getPath(onPath ? { systemBinary: onPath } : {});
    const server = await MongoMemoryServer.create({ instance: { ip: '127.0.0.1' }, binary: { systemBinary } });
    const url = server.getUri();
    log(`started mongod through mongodb-memory-server at ${url}`);
    return {
      url,
      describe: `mongod (mongodb-memory-server) on ${new URL(url).host}`,
      stop: async () => {
        await server.stop();
      },
    };
  } catch (error) {
    throw new Error(
      `No MongoDB-compatible server: ferretdb not found, ${onPath ? `mongod at ${onPath}` : 'no mongod on the PATH'}, and mongodb-memory-server failed (${messageOf(error)}). ` +
        `${INSTALL_MONGO}.`,
      { cause: error },
    );
  }
}

/**
 * Spawns a server and resolves, once `ready` succeeds, to the function that stops it and removes
 * `dir`, and to its restart control; on failure it does that itself and rejects with the server's
 * output.
 */
async function startProcess(
  name: string,
  binary: string,
  args: string[],
  dir: string,
  watchdog: Watchdog | undefined,
  ready: () => Promise<void>,
): Promise<{ stop: () => Promise<void>; control: RestartableServer }> {
  watchdog?.removeOnExit(dir);
  const launchIt = () => launch(name, binary, args, dir, watchdog, ready);
  let halt: () => Promise<void>;
  try {
    halt = await launchIt();
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
  let stopping: Promise<void> | undefined;
  return {
    stop: () =>
      (stopping ??= (async () => {
        await halt();
        await rm(dir, { recursive: true, force: true });
      })()),
    control: {
      halt: () => halt(),
      resume: async () => {
        halt = await launchIt();
      },
    },
  };
}

/**
 * Spawns one run of a server in `dir` and resolves, once `ready` succeeds, to the function that
 * ends that run; when it fails to answer, it ends it and rejects with the server's output.
 */
async function launch(
  name: string,
  binary: string,
  args: string[],
  dir: string,
  watchdog: Watchdog | undefined,
  ready: () => Promise<void>,
): Promise<() => Promise<void>> {
  // Detached: its own process group, so a Ctrl-C meant for `npm run dev` does not take the
  // servers down before the API and worker have shut down on them.
  const child = spawn(binary, args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-OUTPUT_TAIL_CHARS);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const exited = new Promise<void>((resolve) => {
    child.once('exit', () => resolve());
    child.once('error', (error) => {
      keep(Buffer.from(`\n${error.message}\n`));
      resolve();
    });
  });
  let exitedYet = false;
  void exited.then(() => (exitedYet = true));
  const pid = child.pid;
  if (pid !== undefined) {
    watchdog?.guard(pid);
    void exited.then(() => watchdog?.release(pid));
  }

  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      if (!exitedYet) {
        child.kill('SIGTERM');
        const killer = setTimeout(() => child.kill('SIGKILL'), KILL_AFTER_MS);
        await exited;
        clearTimeout(killer);
      }
    })());

  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    try {
      await ready();
      return stop;
    } catch (error) {
      const failure = exitedYet
        ? `${name} exited before answering (${exitStatus(child)})`
        : Date.now() > deadline
          ? `${name} did not answer within ${READY_TIMEOUT_MS / 1000} s (${messageOf(error)})`
          : undefined;
      if (failure) {
        await stop();
        throw new Error(`${failure}; ${commandLine(binary, args)}\n--- its output ---\n${output.trim() || '(none)'}`);
      }
    }
    await sleep(100);
  }
}

async function pingRedis(port: number): Promise<void> {
  const client = new Redis({
    host: '127.0.0.1',
    port,
    lazyConnect: true,
    retryStrategy: () => null,
    maxRetriesPerRequest: 0,
    connectTimeout: 1_000,
  });
  // connect() rejects with the error; without a listener ioredis would also print it.
  client.on('error', () => {});
  try {
    await client.connect();
    await client.ping();
  } finally {
    client.disconnect();
  }
}

async function pingMongo(url: string): Promise<void> {
  const client = new MongoClient(url, { serverSelectionTimeoutMS: 1_000, connectTimeoutMS: 1_000 });
  try {
    await client.db('admin').command({ ping: 1 });
  } finally {
    await client.close();
  }
}

/** `count` distinct ports that were free a moment ago. */
async function freePorts(count: number): Promise<number[]> {
  const ports = new Set<number>();
  while (ports.size < count) ports.add(await freePort());
  return [...ports];
}

/** A port that was free a moment ago: the OS picks it for a listener that is closed at once. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('could not get a free port');
  return address.port;
}

/** The executable `name` in a PATH directory, if any. */
function findOnPath(name: string): string | undefined {
  const dirs = (process.env['PATH'] ?? '').split(delimiter).filter(Boolean);
  return firstExecutable(dirs.map((dir) => join(dir, name)));
}

/** The executable `name` where `go install` puts binaries: GOBIN, each GOPATH's bin, ~/go/bin. */
async function findInGoBin(name: string): Promise<string | undefined> {
  const dirs: string[] = [];
  const goBinary = findOnPath('go');
  if (goBinary) {
    const [gobin = '', gopath = ''] = (await outputOf(goBinary, ['env', 'GOBIN', 'GOPATH'])).split('\n');
    if (gobin) dirs.push(gobin);
    dirs.push(...gopath.split(delimiter).filter(Boolean).map((dir) => join(dir, 'bin')));
  }
  dirs.push(join(homedir(), 'go', 'bin'));
  return firstExecutable(dirs.map((dir) => join(dir, name)));
}

function firstExecutable(paths: string[]): string | undefined {
  return paths.find((path) => {
    try {
      accessSync(path, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

/** What a command prints on stdout, or '' when it cannot be run. */
async function outputOf(binary: string, args: string[]): Promise<string> {
  try {
    return (await promisify(execFile)(binary, args, { timeout: 10_000 })).stdout;
  } catch {
    return '';
  }
}

/** The command as a shell would take it, for error messages. */
function commandLine(binary: string, args: string[]): string {
  return [binary, ...args].map((word) => (/^[\w@%+=:,./-]+$/.test(word) ? word : `'${word}'`)).join(' ');
}

function exitStatus(child: ChildProcess): string {
  if (child.signalCode) return `signal ${child.signalCode}`;
  if (child.exitCode !== null) return `exit code ${child.exitCode}`;
  return 'could not be started';
}

/** The URL without user and password, for logs. */
function withoutCredentials(url: string): string {
  return url.replace(/\/\/[^@/]*@/, '//');
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
