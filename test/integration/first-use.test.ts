/**
 * What a new user meets first, checked as they meet it: the answers to common mistakes (a page
 * too large, a query over a limit, a queue nobody serves), what the API logs about them, and the
 * probes' answers, also with a dependency down.
 */
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { pino } from 'pino';
import { EnqueueTaskDocument } from '../../schema/generated/graphql.ts';
import { schema } from '../../schema/index.ts';
import { startLocalServers } from '../../scripts/local-servers.ts';
import { yogaLogging } from '../../src/api/errors.ts';
import { ReadinessCheck } from '../../src/api/health.ts';
import { startApiServer, type ApiServer } from '../../src/api/server.ts';
import { DependencyUnavailableError, InvalidInputError } from '../../src/errors.ts';
import { startRuntime, type Runtime } from '../../src/runtime.ts';
import { builtinTaskTypes } from '../../src/tasks/catalog.ts';
import { TestClient } from '../support/graphql-client.ts';
import { testConfig } from '../support/runtime.ts';

/** One line a logger wrote. */
type LogLine = { level: number; msg: string; code?: string; reason?: string; cause?: string; err?: { stack?: string } };

/** A pino logger at info whose lines are kept, parsed, in `lines`. */
function capturingLogger() {
  const lines: LogLine[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const text of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(text) as LogLine);
      done();
    },
  });
  return { logger: pino({ level: 'info' }, stream), lines };
}

const INFO = 30;
const WARN = 40;
const ERROR = 50;

let runtime: Runtime;
let server: ApiServer;
let client: TestClient;
let lines: LogLine[];

beforeAll(async () => {
  const captured = capturingLogger();
  lines = captured.lines;
  runtime = await startRuntime(testConfig('first_use', { LOG_LEVEL: 'info', WORKER_QUEUES: 'default,bulk' }), captured.logger, builtinTaskTypes);
  server = await startApiServer(runtime, schema, 0);
  client = new TestClient(server.port);
});

afterAll(async () => {
  await client.close();
  await server.close();
  await runtime.db.dropDatabase();
  await runtime.close();
});

type Answer = { data?: unknown; errors?: { message: string; extensions?: { code?: string; reason?: string } }[] };

async function query(text: string, variables: Record<string, unknown> = {}): Promise<Answer> {
  const response = await fetch(`http://127.0.0.1:${server.port}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query: text, variables }),
  });
  return (await response.json()) as Answer;
}

describe('page size and query limits', () => {
  it('answers a `first` out of range with its own BAD_USER_INPUT, before the cost limit', async () => {
    for (const first of [6000, 501, -1]) {
      const { errors } = await query(`{ tasks(first: ${first}) { totalCount edges { node { id events { type } } } } }`);
      expect(errors?.map((e) => [e.message, e.extensions?.code])).toEqual([[`first: 0 to 500, got ${first}`, 'BAD_USER_INPUT']]);
    }
    const { errors } = await query('query ($n: Int) { tasks(first: $n) { totalCount } }', { n: 6000 });
    expect(errors?.map((e) => [e.message, e.extensions?.code])).toEqual([['first: 0 to 500, got 6000', 'BAD_USER_INPUT']]);
    expect((await query('{ tasks(first: 500) { totalCount } }')).errors).toBeUndefined();
  });

  it('words every query limit as a limit, not a syntax error, with its reason', async () => {
    const nested = (levels: number) => `{ task(id: "x") { ${'events { task { '.repeat(levels)} id ${'} } '.repeat(levels)} } }`;
    const cases = [
      { query: '{ tasks(first: 500) { edges { node { events { task { events { task { events { version } } } } } } } } }', reason: 'QUERY_COST_LIMIT', message: /^query cost \d+ is over the limit of 20000: select fewer fields or ask for smaller pages \(first\)$/ },
      { query: nested(6), reason: 'QUERY_DEPTH_LIMIT', message: /^query depth 14 is over the limit of 12$/ },
      { query: `{ ${Array.from({ length: 21 }, (_, i) => `a${i}: taskTypes { name }`).join(' ')} }`, reason: 'ALIAS_LIMIT', message: /^21 aliases, more than the 20 allowed$/ },
      { query: `{ ${'__typename @include(if: true) '.repeat(21)} }`, reason: 'DIRECTIVE_LIMIT', message: /^21 directives, more than the 20 allowed$/ },
      { query: `{ ${'__typename '.repeat(2100)} }`, reason: 'TOKEN_LIMIT', message: /^the document has more than 2000 tokens$/ },
    ];
    for (const { query: text, reason, message } of cases) {
      const { errors } = await query(text);
      expect(errors, reason).toHaveLength(1);
      expect(errors?.[0]?.message, reason).toMatch(message);
      expect(errors?.[0]?.extensions, reason).toMatchObject({ code: 'BAD_USER_INPUT', reason });
    }
    // A real syntax error is still one.
    const { errors } = await query('{ task(id: ');
    expect(errors?.[0]?.message).toMatch(/^Syntax Error: /);
    expect(errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });
});

describe('queues', () => {
  it('refuses a queue no task type and no configuration serves, naming the known ones', async () => {
    const refused = await client.request(EnqueueTaskDocument, { input: { type: 'echo', queue: 'nowhere' } });
    expect(refused.errors?.map((e) => [e.message, e.extensions?.['code']])).toEqual([
      ['input.queue: no worker serves queue "nowhere"; the known queues are bulk, default', 'BAD_USER_INPUT'],
    ]);
    expect(await runtime.db.collection('tasks').countDocuments({ queue: 'nowhere' })).toBe(0);
    // WORKER_QUEUES names "bulk": workers are configured to serve it.
    const accepted = await client.data(EnqueueTaskDocument, { input: { type: 'echo', queue: 'bulk', delayMs: 3_600_000 } });
    expect(accepted.enqueueTask.task.queue).toBe('bulk');
  });
});

describe('logs', () => {
  it("logs a client's mistakes at info without a stack", async () => {
    const from = lines.length;
    await query('{ taskTypes { name }');
    await client.request(EnqueueTaskDocument, { input: { type: 'no-such-type' } });
    await query('mutation { cancelTask(id: "no-such-task") { id } }');
    await query('query ($n: Int) { tasks(first: $n) { totalCount } }', { n: 6000 });
    const logged = lines.slice(from).filter((line) => line.msg !== 'request');
    expect(logged.map((line) => [line.level, line.code, line.msg])).toEqual([
      [INFO, 'BAD_USER_INPUT', 'Syntax Error: Expected Name, found <EOF>.'],
      [INFO, 'BAD_USER_INPUT', 'input.type: unknown task type "no-such-type"; see taskTypes'],
      [INFO, 'NOT_FOUND', 'task no-such-task not found'],
      [INFO, 'BAD_USER_INPUT', 'first: 0 to 500, got 6000'],
    ]);
    expect(logged.filter((line) => line.err)).toEqual([]);
  });

  it('logs an internal error at error with its stack, a dependency that is down at warn', () => {
    const captured = capturingLogger();
    const logging = yogaLogging(captured.logger);
    logging.error(new TypeError("Cannot read properties of undefined (reading 'id')"));
    logging.error(new InvalidInputError('input.ms: Too big'));
    logging.error(new DependencyUnavailableError('Redis', { cause: new Error('connect ECONNREFUSED 127.0.0.1:6379') }));
    expect(captured.lines.map((line) => [line.level, line.code ?? null, line.cause ?? null, Boolean(line.err?.stack)])).toEqual([
      [ERROR, null, null, true],
      [INFO, 'BAD_USER_INPUT', null, false],
      [WARN, 'SERVICE_UNAVAILABLE', 'connect ECONNREFUSED 127.0.0.1:6379', false],
    ]);
  });
});

describe('probes', () => {
  it('/health answers {"status":"ok"} and /ready names each dependency', async () => {
    const health = await fetch(`http://127.0.0.1:${server.port}/health`);
    expect([health.status, health.headers.get('content-type'), await health.json()]).toEqual([200, 'application/json; charset=utf-8', { status: 'ok' }]);
    const ready = await fetch(`http://127.0.0.1:${server.port}/ready`);
    expect([ready.status, await ready.json()]).toEqual([200, { status: 'ok', dependencies: { mongodb: { status: 'up' }, redis: { status: 'up' } } }]);
  });

  it('/ready answers 503 naming the dependency that is down and since when', async () => {
    const own = await startLocalServers({ env: { MONGO_URL: inject('mongoUrl') } });
    const ownRuntime = await startRuntime(testConfig('first_use_down', { MONGO_URL: own.mongoUrl, ...own.redisEnv }), pino({ level: 'silent' }), builtinTaskTypes);
    const api = await startApiServer(ownRuntime, schema, 0);
    try {
      await own.stop(); // Redis goes away
      const stoppedAt = Date.now();
      const first = await fetch(`http://127.0.0.1:${api.port}/ready`);
      const body = (await first.json()) as { status: string; dependencies: Record<string, { status: string; since?: string }> };
      expect(first.status).toBe(503);
      expect(body.status).toBe('unavailable');
      expect(body.dependencies['mongodb']).toEqual({ status: 'up' });
      expect(body.dependencies['redis']?.status).toBe('down');
      expect(Date.parse(body.dependencies['redis']?.since ?? '')).toBeGreaterThanOrEqual(stoppedAt - 1000);
      const again = (await (await fetch(`http://127.0.0.1:${api.port}/ready`)).json()) as typeof body;
      expect(again.dependencies['redis']).toEqual(body.dependencies['redis']); // since the first check that found it down
      expect((await fetch(`http://127.0.0.1:${api.port}/health`)).status).toBe(200);
    } finally {
      await api.close();
      await ownRuntime.close();
      await own.stop();
    }
  });

  it('remembers when a dependency was first found down, until it is up again', async () => {
    let up = false;
    let now = new Date('2026-01-01T00:00:00Z');
    const check = new ReadinessCheck([{ name: 'redis', ping: async () => (up ? 'PONG' : Promise.reject(new Error('down'))) }], () => now);
    expect(await check.check(false)).toEqual({ status: 'unavailable', dependencies: { redis: { status: 'down', since: '2026-01-01T00:00:00.000Z' } } });
    now = new Date('2026-01-01T00:01:00Z');
    expect((await check.check(false)).dependencies['redis']).toEqual({ status: 'down', since: '2026-01-01T00:00:00.000Z' });
    up = true;
    expect(await check.check(true)).toEqual({ status: 'draining', dependencies: { redis: { status: 'up' } } });
    up = false;
    expect((await check.check(false)).dependencies['redis']).toEqual({ status: 'down', since: '2026-01-01T00:01:00.000Z' });
  });
});
