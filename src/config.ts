/**
 * Configuration, read once from the environment and validated, so a typo fails at start with a
 * message naming the variable instead of misbehaving later. Each variable is declared once, in
 * `variables`, with its check, default and meaning; `Config` is derived from what `configFrom`
 * makes of them, and `npm run docs:config` writes the table in docs/configuration.md from them.
 */
import { join } from 'node:path';
import { z } from 'zod';
import type { AuthSettings } from './auth/authenticator.ts';
import { SCOPES } from './auth/principal.ts';
import { MIN_RATE_WINDOW_MS, type QueueLimits } from './model/limits.ts';
import { PACKAGE_ROOT } from './package-root.ts';
import { parseRedisNodes, type RedisTopology } from './redis/topology.ts';

const flag = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');
const int = (min: number) => z.coerce.number().int().min(min);
const secret = z.string().min(32, 'at least 32 characters');
const redisNodes = z.string().transform((text, ctx) => {
  try {
    return parseRedisNodes(text);
  } catch (error) {
    ctx.addIssue({ code: 'custom', message: (error as Error).message });
    return z.NEVER;
  }
});
/** A variable holding JSON, parsed (then checked with `.pipe`). */
const jsonText = z.string().transform((text, ctx) => {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    ctx.addIssue({ code: 'custom', message: 'not JSON' });
    return z.NEVER;
  }
});
const positiveInt = z.number().int().min(1);

/**
 * What the configuration docs say of a variable beyond its schema: `description` is its meaning,
 * and `unset` says what leaving it unset means, where that is not a plain default value.
 */
export interface VariableDoc {
  description: string;
  unset?: string;
}

/** `schema` with the docs of its variable. */
function documented<T extends z.ZodType>(schema: T, doc: VariableDoc): T {
  // A copy: zod's metadata type has an index signature, which an interface does not satisfy.
  return schema.meta({ ...doc });
}

/**
 * Every environment variable a taskql process (API or worker) reads, in the order its problems
 * are reported, each with its check, default and `VariableDoc` (read back with `variableDoc`).
 */
export const variables = z.object({
  NODE_ENV: z.string().default('development').describe('`production` for production'),
  PORT: int(0).max(65535).default(4000).describe('API port (HTTP and WebSocket)'),
  HOST: z.string().default('0.0.0.0').describe('API listen address'),
  MONGO_URL: documented(z.string().min(1, 'MONGO_URL is required (e.g. mongodb://localhost:27017/taskql)'), {
    description: 'MongoDB connection string',
    unset: 'required (`npm run dev` and `npm test` start a server when unset)',
  }),
  MONGO_DB: documented(z.string().optional(), { description: 'database name', unset: 'the database in `MONGO_URL`, else `taskql`' }),
  REDIS_URL: documented(z.string().optional(), {
    description: 'Redis connection string (one Redis server)',
    unset: 'required unless `REDIS_CLUSTER_NODES` or `REDIS_SENTINELS` is set (`npm run dev` and `npm test` start a server when all are unset)',
  }),
  REDIS_CLUSTER_NODES: documented(redisNodes.optional(), {
    description:
      'comma-separated `host:port` seed nodes of a Redis Cluster (Redis 7 or later), instead of `REDIS_URL`: events go over sharded pub/sub (docs/scaling.md)',
    unset: 'no cluster',
  }),
  REDIS_SENTINELS: documented(redisNodes.optional(), {
    description: 'comma-separated `host:port` of Redis Sentinels, instead of `REDIS_URL`: taskql follows their master across failovers',
    unset: 'no Sentinel',
  }),
  REDIS_SENTINEL_NAME: z.string().min(1).default('mymaster').describe('the master name the sentinels of `REDIS_SENTINELS` watch'),
  REDIS_PASSWORD: documented(z.string().optional(), {
    description: 'password of the cluster nodes or of the Sentinel-watched master (`REDIS_URL` carries its own)',
    unset: 'none',
  }),
  REDIS_PREFIX: z
    .string()
    .regex(/^[\w.-]+$/, 'letters, digits, _, . and - only')
    .default('taskql')
    .describe('prefix of every Redis key and channel, so deployments (and test files) can share a Redis'),
  DEPENDENCY_TIMEOUT_MS: int(100)
    .default(3000)
    .describe('how long a request waits for MongoDB or Redis before answering SERVICE_UNAVAILABLE'),
  MAX_REQUEST_BYTES: int(1024).default(1024 * 1024).describe('largest request body; larger is BAD_USER_INPUT (HTTP 413)'),
  WORKER_CONCURRENCY: int(1).default(10).describe('attempts one worker process runs at once, per queue'),
  WORKER_QUEUES: documented(z.string().optional(), {
    description: 'comma-separated queues a worker serves; the API accepts enqueues to these and to the queues of the task types, and refuses others',
    unset: 'every queue a registered type uses',
  }),
  PROGRESS_INTERVAL_MS: int(0)
    .default(100)
    .describe('least time between two progress writes of one task (the last report is always written)'),
  OUTPUT_FLUSH_INTERVAL_MS: int(0)
    .default(20)
    .describe("least time between two writes of one task's log lines, or of one of its output streams (each write carries every line or chunk written since the last)"),
  OUTPUT_CHUNK_MAX_BYTES: int(1)
    .default(64 * 1024)
    .describe('largest output chunk (`ctx.output.write`) and log line (`ctx.log`: message and data as JSON), in UTF-8 bytes; larger throws to the handler'),
  TASK_OUTPUT_MAX_BYTES: int(1)
    .default(16 * 1024 * 1024)
    .describe("output one task keeps, in UTF-8 bytes of chunk data (all its streams and attempts together); a write past it throws to the handler and writes nothing"),
  OUTPUT_BUFFER_MAX_BYTES: int(1)
    .default(1024 * 1024)
    .describe("output and log bytes a worker holds for one attempt before they are written; past it `ctx.output.write`'s promise waits for room, and a write or log line while it is full throws to the handler"),
  TASK_LOG_MAX_LINES: int(1)
    .default(10_000)
    .describe("log lines one task keeps (all attempts together); past it the oldest are dropped and one `LOG_TRUNCATED` event says so"),
  RESULT_TTL_SECONDS: int(0)
    .default(7 * 24 * 3600)
    .describe('how long a finished task is kept when its enqueue does not say; `0` keeps it for ever'),
  DISCARD_RESULTS_FOR: documented(z.string().optional(), {
    description: "comma-separated task types whose results are not kept (the task's record is; its `result` stays null)",
    unset: 'none',
  }),
  CANCEL_GRACE_MS: int(0).default(5000).describe('how long a cancelled handler may take to stop before it is abandoned'),
  CLEANUP_INTERVAL_MS: int(1000).default(60_000).describe('how often expired tasks are deleted'),
  WORKER_HEARTBEAT_MS: int(100)
    .default(5000)
    .describe('how often a worker says it is alive (gone after three missed beats); also how often queue statistics are recounted while watched'),
  WORKER_LOCK_MS: int(1000)
    .default(30_000)
    .describe("how long a worker's hold on a running job lasts unrenewed (it is renewed while the job runs): a dead worker's task runs again after about this long"),
  WORKER_DRAIN_MS: int(0)
    .default(5000)
    .describe('on SIGTERM, how long a worker lets running attempts finish before handing them back'),
  MAX_DEFERRALS: int(0).default(100).describe('how many times a handler may defer one task (`ctx.deferFor`) before it is FAILED instead'),
  QUEUE_LIMITS: documented(
    jsonText
      .pipe(
        z.record(
          z.string(),
          z.strictObject({
            concurrency: positiveInt.optional(),
            rateLimit: z.strictObject({ max: positiveInt, perMs: z.number().int().min(MIN_RATE_WINDOW_MS) }).optional(),
          }),
        ),
      )
      .optional(),
    {
      description:
        'JSON object of queue-wide limits, across every worker: `{"exports": {"concurrency": 20, "rateLimit": {"max": 100, "perMs": 1000}}}` (whole numbers ≥ 1, `perMs` ≥ 10); see docs/flow-control.md',
      unset: 'no queue-wide limits',
    },
  ),
  MAX_STALLS: int(0).default(3).describe('how many times a task may lose its worker mid-attempt before it is FAILED instead of run again'),
  RECONCILE_INTERVAL_MS: int(1000)
    .default(60_000)
    .describe('how often the reconciler looks for unfinished tasks without a BullMQ job'),
  RECONCILE_GRACE_MS: int(0).default(60_000).describe('how long a task must be unchanged before the reconciler may repair it'),
  SCHEDULE_TICK_MS: int(50).default(250).describe('how often the workers look for due schedules (one look per interval across all workers)'),
  SCHEDULE_OWNER: z.string().min(1).default('system').describe('the owner of the schedules declared in code (`src/tasks/catalog.ts`)'),
  SCHEDULE_LATENESS_MS: int(0)
    .default(5000)
    .describe("how late a schedule's due time may be seen and still run as on time; older due times were missed and follow the schedule's catch-up window"),
  BUILTIN_TASK_TYPES: flag.default(true).describe('register the built-in `echo`, `sleep`, `fail` and `generate` types'),
  GRAPHIQL: documented(flag.optional(), { description: 'serve GraphiQL at `GET /graphql`', unset: '`true`, `false` in production' }),
  DASHBOARD: z
    .enum(['built', 'dev', 'off'])
    .default('built')
    .describe('the dashboard at `/`: `built` serves `DASHBOARD_DIR`, `dev` its sources through Vite with hot reload (`npm run dev`), `off` nothing'),
  DASHBOARD_DIR: documented(z.string().default(join(PACKAGE_ROOT, 'dashboard', 'dist')), {
    description: 'where `npm run build` put the dashboard',
    unset: '`dashboard/dist` in the package',
  }),
  INTROSPECTION: documented(flag.optional(), { description: 'allow schema introspection', unset: '`true`, `false` in production' }),
  AUTH_DISABLED: flag
    .default(false)
    .describe('no authentication: every caller is `anonymous` with every scope (refused in production; `npm run dev` sets it when nothing else is configured)'),
  AUTH_JWT_SECRET: secret.optional().describe("HS256 secret (32+ characters) that signs callers' JWTs"),
  AUTH_JWKS_URL: z.url().optional().describe('URL of a JWKS whose keys check RS256/ES256 JWTs'),
  AUTH_JWKS_FILE: z.string().optional().describe('file of a JWKS whose keys check RS256/ES256 JWTs'),
  AUTH_JWT_ISSUER: z.string().optional().describe('required `iss` of JWTs, when set'),
  AUTH_JWT_AUDIENCE: z.string().optional().describe('required `aud` of JWTs, when set'),
  API_KEYS: documented(
    jsonText
      .pipe(z.array(z.object({ key: z.string().min(16), owner: z.string().min(1), scopes: z.array(z.enum(SCOPES)) })))
      .optional(),
    {
      description: 'JSON array of static keys for services: `[{"key": "…16+ chars…", "owner": "billing", "scopes": ["tasks:write", "tasks:read"]}]`',
      unset: 'none',
    },
  ),
  TASK_TOKEN_SECRET: documented(secret.optional(), {
    description: 'HS256 secret (32+ characters) that signs the task tokens `createTaskToken` mints',
    unset: '`AUTH_JWT_SECRET`',
  }),
  MAX_INPUT_BYTES: int(2).default(256 * 1024).describe('largest task input, as JSON'),
  MAX_DEPTH: int(1).default(12).describe('deepest field nesting in one operation (graphql-armor)'),
  MAX_ALIASES: int(0).default(20).describe('most aliases in one operation (graphql-armor)'),
  MAX_TOKENS: int(10).default(2000).describe('most tokens in one operation (graphql-armor)'),
  MAX_DIRECTIVES: int(0).default(20).describe('most directives in one operation (graphql-armor)'),
  MAX_COST: int(1).default(20_000).describe("largest operation cost (graphql-armor's estimate)"),
  RATE_LIMIT_MUTATIONS: int(1).default(1200).describe('mutations per owner per minute, across all API processes'),
  RATE_LIMIT_SUBSCRIPTIONS: int(1).default(300).describe('new subscriptions per owner per minute, across all API processes'),
  MAX_SUBSCRIPTIONS_PER_SOCKET: int(1).default(100).describe('subscriptions open at once on one WebSocket'),
  MAX_SOCKETS_PER_OWNER: int(1).default(50).describe('WebSockets one owner may hold open to one API process'),
  LOG_LEVEL: z
    .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
    .default('info')
    .describe('pino level (`fatal` … `trace`, `silent`); logs are JSON on stdout'),
});

/** The name of an environment variable taskql reads. */
export type VariableName = keyof typeof variables.shape;

/** The docs of one variable, as declared beside its schema. */
export function variableDoc(name: VariableName): VariableDoc {
  const meta = variables.shape[name].meta();
  return {
    description: meta?.description ?? '',
    ...(typeof meta?.['unset'] === 'string' && { unset: meta['unset'] }),
  };
}

/** The configuration the checked variables make: names for code, lists split, defaults that depend on others filled in. */
function configFrom(e: z.output<typeof variables>) {
  const production = e.NODE_ENV === 'production';
  const auth: AuthSettings = {
    disabled: e.AUTH_DISABLED,
    jwtSecret: e.AUTH_JWT_SECRET ?? null,
    jwksUrl: e.AUTH_JWKS_URL ?? null,
    jwksFile: e.AUTH_JWKS_FILE ?? null,
    issuer: e.AUTH_JWT_ISSUER ?? null,
    audience: e.AUTH_JWT_AUDIENCE ?? null,
    apiKeys: e.API_KEYS ?? [],
    taskTokenSecret: e.TASK_TOKEN_SECRET ?? null,
  };
  const discardResultsFor: ReadonlySet<string> = new Set(list(e.DISCARD_RESULTS_FOR) ?? []);
  return {
    production,
    port: e.PORT,
    host: e.HOST,
    mongoUrl: e.MONGO_URL,
    mongoDatabase: e.MONGO_DB ?? databaseOf(e.MONGO_URL) ?? 'taskql',
    /** null when none of REDIS_URL, REDIS_CLUSTER_NODES and REDIS_SENTINELS is set (`loadConfig` refuses that). */
    redis: redisTopology(e),
    redisPrefix: e.REDIS_PREFIX,
    dependencyTimeoutMs: e.DEPENDENCY_TIMEOUT_MS,
    maxRequestBytes: e.MAX_REQUEST_BYTES,
    workerConcurrency: e.WORKER_CONCURRENCY,
    /** null: every queue a registered type uses. */
    workerQueues: list(e.WORKER_QUEUES),
    progressIntervalMs: e.PROGRESS_INTERVAL_MS,
    output: {
      flushIntervalMs: e.OUTPUT_FLUSH_INTERVAL_MS,
      chunkMaxBytes: e.OUTPUT_CHUNK_MAX_BYTES,
      logMaxLines: e.TASK_LOG_MAX_LINES,
      taskMaxBytes: e.TASK_OUTPUT_MAX_BYTES,
      bufferMaxBytes: e.OUTPUT_BUFFER_MAX_BYTES,
    },
    resultTtlSeconds: e.RESULT_TTL_SECONDS,
    discardResultsFor,
    cancelGraceMs: e.CANCEL_GRACE_MS,
    cleanupIntervalMs: e.CLEANUP_INTERVAL_MS,
    workerHeartbeatMs: e.WORKER_HEARTBEAT_MS,
    workerLockMs: e.WORKER_LOCK_MS,
    workerDrainMs: e.WORKER_DRAIN_MS,
    maxStalls: e.MAX_STALLS,
    maxDeferrals: e.MAX_DEFERRALS,
    /** Queue-wide limits by queue name; a queue not named has none. */
    queueLimits: new Map<string, QueueLimits>(
      Object.entries(e.QUEUE_LIMITS ?? {}).map(([name, l]) => [name, { concurrency: l.concurrency ?? null, rateLimit: l.rateLimit ?? null }]),
    ),
    reconcileIntervalMs: e.RECONCILE_INTERVAL_MS,
    reconcileGraceMs: e.RECONCILE_GRACE_MS,
    scheduleTickMs: e.SCHEDULE_TICK_MS,
    scheduleLatenessMs: e.SCHEDULE_LATENESS_MS,
    scheduleOwner: e.SCHEDULE_OWNER,
    builtinTaskTypes: e.BUILTIN_TASK_TYPES,
    graphiql: e.GRAPHIQL ?? !production,
    introspection: e.INTROSPECTION ?? !production,
    dashboard: { mode: e.DASHBOARD, dir: e.DASHBOARD_DIR },
    auth,
    limits: {
      inputBytes: e.MAX_INPUT_BYTES,
      depth: e.MAX_DEPTH,
      aliases: e.MAX_ALIASES,
      tokens: e.MAX_TOKENS,
      directives: e.MAX_DIRECTIVES,
      cost: e.MAX_COST,
      mutationsPerMinute: e.RATE_LIMIT_MUTATIONS,
      subscriptionsPerMinute: e.RATE_LIMIT_SUBSCRIPTIONS,
      subscriptionsPerSocket: e.MAX_SUBSCRIPTIONS_PER_SOCKET,
      socketsPerOwner: e.MAX_SOCKETS_PER_OWNER,
    },
    logLevel: e.LOG_LEVEL,
  };
}

/**
 * Validated configuration of one taskql process (API or worker). Each field is the variable of
 * the same name in `variables` (docs/configuration.md), read as `configFrom` reads it.
 */
export type Config = Omit<ReturnType<typeof configFrom>, 'redis'> & { redis: RedisTopology };

/** Limits on what one caller may ask (docs/security.md lists them). */
export type Limits = Config['limits'];

/** Read and check configuration; throws one Error listing every bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = variables.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`).join('\n');
    throw new Error(`invalid configuration:\n${problems}`);
  }
  const { redis, ...config } = configFrom(parsed.data);
  if (!redis) throw new Error('invalid configuration:\n  REDIS_URL: REDIS_URL is required (e.g. redis://localhost:6379), or REDIS_CLUSTER_NODES or REDIS_SENTINELS');
  if (config.production && config.auth.disabled) throw new Error('invalid configuration:\n  AUTH_DISABLED: not allowed in production');
  return { ...config, redis };
}

/**
 * The Redis deployment the variables name: a cluster, else Sentinel, else one server; null when
 * none is named. A cluster or Sentinel wins over REDIS_URL, so an environment can add one without
 * unsetting the URL.
 */
function redisTopology(e: z.output<typeof variables>): RedisTopology | null {
  const password = e.REDIS_PASSWORD ?? null;
  if (e.REDIS_CLUSTER_NODES) return { kind: 'cluster', nodes: e.REDIS_CLUSTER_NODES, password };
  if (e.REDIS_SENTINELS) return { kind: 'sentinel', sentinels: e.REDIS_SENTINELS, name: e.REDIS_SENTINEL_NAME, password };
  return e.REDIS_URL ? { kind: 'single', url: e.REDIS_URL } : null;
}

/** A comma-separated list; null when unset or empty. */
function list(value: string | undefined): string[] | null {
  const items = value?.split(',').map((item) => item.trim()).filter(Boolean) ?? [];
  return items.length > 0 ? items : null;
}

function databaseOf(url: string): string | undefined {
  try {
    const name = new URL(url).pathname.replace(/^\//, '');
    return name ? decodeURIComponent(name) : undefined;
  } catch {
    return undefined;
  }
}
