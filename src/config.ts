/**
 * Configuration, read once from the environment and validated, so a typo fails at start with a
 * message naming the variable instead of misbehaving later. README's "Configuration" lists them.
 */
import { join } from 'node:path';
import { z } from 'zod';
import type { AuthSettings } from './auth/authenticator.ts';
import { SCOPES } from './auth/principal.ts';
import { PACKAGE_ROOT } from './package-root.ts';

const flag = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');
const int = (min: number) => z.coerce.number().int().min(min);

const schema = z.object({
  NODE_ENV: z.string().default('development'),
  PORT: int(0).max(65535).default(4000),
  HOST: z.string().default('0.0.0.0'),
  MONGO_URL: z.string().min(1, 'MONGO_URL is required (e.g. mongodb://localhost:27017/taskql)'),
  MONGO_DB: z.string().optional(),
  REDIS_URL: z.string().min(1, 'REDIS_URL is required (e.g. redis://localhost:6379)'),
  REDIS_PREFIX: z.string().regex(/^[\w.-]+$/, 'letters, digits, _, . and - only').default('taskql'),
  DEPENDENCY_TIMEOUT_MS: int(100).default(3000),
  MAX_REQUEST_BYTES: int(1024).default(1024 * 1024),
  WORKER_CONCURRENCY: int(1).default(10),
  WORKER_QUEUES: z.string().optional(),
  PROGRESS_INTERVAL_MS: int(0).default(100),
  RESULT_TTL_SECONDS: int(0).default(7 * 24 * 3600),
  DISCARD_RESULTS_FOR: z.string().optional(),
  CANCEL_GRACE_MS: int(0).default(5000),
  CLEANUP_INTERVAL_MS: int(1000).default(60_000),
  WORKER_HEARTBEAT_MS: int(100).default(5000),
  WORKER_LOCK_MS: int(1000).default(30_000),
  WORKER_DRAIN_MS: int(0).default(5000),
  MAX_STALLS: int(0).default(3),
  RECONCILE_INTERVAL_MS: int(1000).default(60_000),
  RECONCILE_GRACE_MS: int(0).default(60_000),
  BUILTIN_TASK_TYPES: flag.default(true),
  GRAPHIQL: flag.optional(),
  DASHBOARD: z.enum(['built', 'dev', 'off']).default('built'),
  DASHBOARD_DIR: z.string().default(join(PACKAGE_ROOT, 'dashboard', 'dist')),
  INTROSPECTION: flag.optional(),
  AUTH_DISABLED: flag.default(false),
  AUTH_JWT_SECRET: z.string().min(32, 'at least 32 characters').optional(),
  AUTH_JWKS_URL: z.url().optional(),
  AUTH_JWKS_FILE: z.string().optional(),
  AUTH_JWT_ISSUER: z.string().optional(),
  AUTH_JWT_AUDIENCE: z.string().optional(),
  API_KEYS: z
    .string()
    .transform((text, ctx) => {
      try {
        return JSON.parse(text) as unknown;
      } catch {
        ctx.addIssue({ code: 'custom', message: 'not JSON' });
        return z.NEVER;
      }
    })
    .pipe(z.array(z.object({ key: z.string().min(16), owner: z.string().min(1), scopes: z.array(z.enum(SCOPES)) })))
    .optional(),
  TASK_TOKEN_SECRET: z.string().min(32, 'at least 32 characters').optional(),
  MAX_INPUT_BYTES: int(2).default(256 * 1024),
  MAX_DEPTH: int(1).default(12),
  MAX_ALIASES: int(0).default(20),
  MAX_TOKENS: int(10).default(2000),
  MAX_DIRECTIVES: int(0).default(20),
  MAX_COST: int(1).default(20_000),
  RATE_LIMIT_MUTATIONS: int(1).default(1200),
  RATE_LIMIT_SUBSCRIPTIONS: int(1).default(300),
  MAX_SUBSCRIPTIONS_PER_SOCKET: int(1).default(100),
  MAX_SOCKETS_PER_OWNER: int(1).default(50),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

/** Validated configuration of one taskql process (API or worker). */
export interface Config {
  production: boolean;
  port: number;
  host: string;
  mongoUrl: string;
  /** The database: `MONGO_DB`, else the one named in `MONGO_URL`, else `taskql`. */
  mongoDatabase: string;
  redisUrl: string;
  /** Prefix of every Redis key and channel, so deployments (and test files) can share a server. */
  redisPrefix: string;
  /** How long a request waits for MongoDB or Redis before answering SERVICE_UNAVAILABLE. */
  dependencyTimeoutMs: number;
  maxRequestBytes: number;
  workerConcurrency: number;
  /** Queues a worker serves; null: every queue a registered type uses. */
  workerQueues: string[] | null;
  /** Least time between two progress writes of one task (the last report is always written). */
  progressIntervalMs: number;
  /** How long a finished task is kept when its enqueue did not say; 0 keeps it for ever. */
  resultTtlSeconds: number;
  /** Task types whose results are not kept (the task's record is; its `result` stays null). */
  discardResultsFor: ReadonlySet<string>;
  /** How long a cancelled handler may take to stop before it is abandoned. */
  cancelGraceMs: number;
  /** How often expired tasks are deleted. */
  cleanupIntervalMs: number;
  /** How often a worker says it is alive; it counts as gone after three missed heartbeats. */
  workerHeartbeatMs: number;
  /**
   * How long a worker's hold on a running job lasts without renewal (renewed while it runs); a
   * job whose holder stopped renewing is taken back and run again after about this long.
   */
  workerLockMs: number;
  /** On shutdown, how long a worker lets running attempts finish before handing them back. */
  workerDrainMs: number;
  /** How many times a task may lose its worker mid-attempt before it is FAILED instead of run again. */
  maxStalls: number;
  /** How often the reconciler compares MongoDB with BullMQ. */
  reconcileIntervalMs: number;
  /** How long a task must have been unchanged before the reconciler may repair it. */
  reconcileGraceMs: number;
  builtinTaskTypes: boolean;
  graphiql: boolean;
  introspection: boolean;
  /**
   * The dashboard at `/`: `built` serves the files in `dir` (`npm run build`), `dev` serves its
   * sources through Vite with hot reload (`npm run dev`), `off` serves nothing.
   */
  dashboard: { mode: 'built' | 'dev' | 'off'; dir: string };
  auth: AuthSettings;
  limits: Limits;
  logLevel: string;
}

/** Read and check configuration; throws one Error listing every bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`).join('\n');
    throw new Error(`invalid configuration:\n${problems}`);
  }
  const e = parsed.data;
  const production = e.NODE_ENV === 'production';
  if (production && e.AUTH_DISABLED) throw new Error('invalid configuration:\n  AUTH_DISABLED: not allowed in production');
  return {
    production,
    port: e.PORT,
    host: e.HOST,
    mongoUrl: e.MONGO_URL,
    mongoDatabase: e.MONGO_DB ?? databaseOf(e.MONGO_URL) ?? 'taskql',
    redisUrl: e.REDIS_URL,
    redisPrefix: e.REDIS_PREFIX,
    dependencyTimeoutMs: e.DEPENDENCY_TIMEOUT_MS,
    maxRequestBytes: e.MAX_REQUEST_BYTES,
    workerConcurrency: e.WORKER_CONCURRENCY,
    workerQueues: list(e.WORKER_QUEUES),
    progressIntervalMs: e.PROGRESS_INTERVAL_MS,
    resultTtlSeconds: e.RESULT_TTL_SECONDS,
    discardResultsFor: new Set(list(e.DISCARD_RESULTS_FOR) ?? []),
    cancelGraceMs: e.CANCEL_GRACE_MS,
    cleanupIntervalMs: e.CLEANUP_INTERVAL_MS,
    workerHeartbeatMs: e.WORKER_HEARTBEAT_MS,
    workerLockMs: e.WORKER_LOCK_MS,
    workerDrainMs: e.WORKER_DRAIN_MS,
    maxStalls: e.MAX_STALLS,
    reconcileIntervalMs: e.RECONCILE_INTERVAL_MS,
    reconcileGraceMs: e.RECONCILE_GRACE_MS,
    builtinTaskTypes: e.BUILTIN_TASK_TYPES,
    graphiql: e.GRAPHIQL ?? !production,
    introspection: e.INTROSPECTION ?? !production,
    dashboard: { mode: e.DASHBOARD, dir: e.DASHBOARD_DIR },
    auth: {
      disabled: e.AUTH_DISABLED,
      jwtSecret: e.AUTH_JWT_SECRET ?? null,
      jwksUrl: e.AUTH_JWKS_URL ?? null,
      jwksFile: e.AUTH_JWKS_FILE ?? null,
      issuer: e.AUTH_JWT_ISSUER ?? null,
      audience: e.AUTH_JWT_AUDIENCE ?? null,
      apiKeys: e.API_KEYS ?? [],
      taskTokenSecret: e.TASK_TOKEN_SECRET ?? null,
    },
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

/** Limits on what one caller may ask; README, "Security", lists them with their defaults. */
export interface Limits {
  /** Largest task input, as JSON. */
  inputBytes: number;
  depth: number;
  aliases: number;
  tokens: number;
  directives: number;
  /** Largest operation cost (graphql-armor's estimate). */
  cost: number;
  /** Per owner, across all API processes. */
  mutationsPerMinute: number;
  /** New subscriptions per owner per minute, across all API processes. */
  subscriptionsPerMinute: number;
  subscriptionsPerSocket: number;
  /** WebSockets one owner may hold open to one API process. */
  socketsPerOwner: number;
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
