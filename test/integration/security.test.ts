/**
 * Who may see what, on the real servers over real HTTP and WebSockets: authentication at both
 * doors, owner scoping of every read and write, scoped task tokens, and the limits on what one
 * caller may ask.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import {
  CancelTaskDocument,
  CreateTaskTokenDocument,
  EnqueueTaskDocument,
  QueuesDocument,
  RetryTaskDocument,
  TaskDocument,
  TaskEventsDocument,
  TaskFeedDocument,
  TaskLogStreamDocument,
  TaskOutputStreamDocument,
  TasksDocument,
  TaskUpdatedDocument,
} from '../../schema/generated/graphql.ts';
import { schema } from '../../schema/index.ts';
import { startApiServer, type ApiServer } from '../../src/api/server.ts';
import { TestClient } from '../support/graphql-client.ts';
import { startTestRuntime, testConfig } from '../support/runtime.ts';
import { errorCode, startStack, type Stack } from '../support/stack.ts';
import { jwt, newSecret } from '../support/tokens.ts';

const secret = newSecret();
const serviceKey = `svc-${newSecret()}`;
let stack: Stack;
let server: ApiServer;
const clients: TestClient[] = [];

/** A client authenticated as `owner` with `scopes` (or with a raw token). */
async function as(owner: string, scopes: Parameters<typeof jwt>[2] = ['tasks:read', 'tasks:write']): Promise<TestClient> {
  return connect(await jwt(secret, owner, scopes));
}
function connect(token: string | null): TestClient {
  const client = new TestClient(server.port, token);
  clients.push(client);
  return client;
}

beforeAll(async () => {
  stack = await startStack('security', {
    env: {
      AUTH_DISABLED: 'false',
      AUTH_JWT_SECRET: secret,
      API_KEYS: JSON.stringify([{ key: serviceKey, owner: 'billing-service', scopes: ['tasks:write', 'tasks:read'] }]),
      // A queue of carol's own, for the statistics of queues.
      WORKER_QUEUES: 'default,carols',
      MAX_SUBSCRIPTIONS_PER_SOCKET: '3',
      MAX_SOCKETS_PER_OWNER: '2',
      RATE_LIMIT_MUTATIONS: '1000',
      MAX_INPUT_BYTES: '1024',
    },
    token: await jwt(secret, 'operator', ['admin']),
  });
  ({ server } = stack);
});
afterAll(async () => {
  await Promise.all(clients.map((c) => c.close()));
  await stack?.close();
});

describe('authentication', () => {
  it('answers UNAUTHENTICATED over HTTP without, with a bad, or with an expired token', async () => {
    for (const token of [null, 'not-a-token', await jwt(newSecret(), 'mallory', ['admin']), await jwt(secret, 'alice', ['tasks:read'], -10)]) {
      const result = await connect(token).request(TaskDocument, { id: 'x' });
      expect(errorCode(result), String(token)).toBe('UNAUTHENTICATED');
    }
  });

  it('closes a WebSocket with 4403 at connection_init when the token is missing, bad or expired', async () => {
    for (const token of [null, 'garbage', await jwt(secret, 'alice', ['tasks:read'], -10)]) {
      expect((await connect(token).closed).code).toBe(4403);
    }
  });

  it('closes a WebSocket when its token expires while connected', async () => {
    const client = connect(await jwt(secret, 'alice', ['tasks:read'], 2));
    await client.connected;
    const closed = await client.closed;
    expect(closed).toEqual({ code: 4403, reason: 'token expired' });
  });

  it('accepts a static API key for its owner and scopes', async () => {
    const service = connect(serviceKey);
    const { enqueueTask } = await service.data(EnqueueTaskDocument, { input: { type: 'echo' } });
    expect((await service.data(TaskDocument, { id: enqueueTask.task.id })).task).toMatchObject({ owner: 'billing-service' });
  });

  it('answers FORBIDDEN to a caller without the scope', async () => {
    const reader = await as('alice', ['tasks:read']);
    expect(errorCode(await reader.request(EnqueueTaskDocument, { input: { type: 'echo' } }))).toBe('FORBIDDEN');
  });
});

describe('owners', () => {
  it("never shows or lets anyone touch another owner's task: NOT_FOUND, not FORBIDDEN", async () => {
    const alice = await as('alice');
    const bob = await as('bob');
    // Scheduled an hour ahead, so that only Alice's own cancel can change it during the test.
    const { enqueueTask } = await alice.data(EnqueueTaskDocument, { input: { type: 'echo', delayMs: 3_600_000, tags: ['private'] } });
    const id = enqueueTask.task.id;
    const before = (await alice.data(TaskDocument, { id })).task;

    expect((await bob.data(TaskDocument, { id })).task).toBeNull();
    expect(errorCode(await bob.request(CancelTaskDocument, { id }))).toBe('NOT_FOUND');
    expect(errorCode(await bob.request(RetryTaskDocument, { id }))).toBe('NOT_FOUND');
    expect(errorCode((await bob.watch(TaskUpdatedDocument, { id }).completed)[0] ?? {})).toBe('NOT_FOUND');
    expect(errorCode((await bob.watch(TaskEventsDocument, { id }).completed)[0] ?? {})).toBe('NOT_FOUND');
    expect(errorCode((await bob.watch(TaskOutputStreamDocument, { id }).completed)[0] ?? {})).toBe('NOT_FOUND');
    expect(errorCode((await bob.watch(TaskLogStreamDocument, { id }).completed)[0] ?? {})).toBe('NOT_FOUND');
    expect((await bob.data(TasksDocument, { filter: { tags: ['private'] } })).tasks.totalCount).toBe(0);
    expect(errorCode(await bob.request(CreateTaskTokenDocument, { taskIds: [id] }))).toBe('NOT_FOUND');

    // Bob's feed hears nothing of Alice's task while she cancels it.
    const feed = bob.watch(TaskFeedDocument, {});
    await bob.connected;
    await alice.data(CancelTaskDocument, { id });
    const { enqueueTask: own } = await bob.data(EnqueueTaskDocument, { input: { type: 'echo' } });
    await feed.until((r) => r.data?.taskFeed.taskId === own.task.id && r.data.taskFeed.type === 'SUCCEEDED');
    feed.unsubscribe();
    expect(feed.results.every((r) => r.data?.taskFeed.taskId === own.task.id)).toBe(true);

    const after = (await alice.data(TaskDocument, { id })).task;
    expect(after?.state).toBe('CANCELLED'); // Alice's own cancel, and nothing of Bob's
    expect(after?.version).toBe((before?.version ?? 0) + 1);
  });

  it('counts only the caller’s tasks in queue statistics; an admin sees everyone’s', async () => {
    const carol = await as('carol');
    const admin = await as('root', ['admin']);
    await carol.data(EnqueueTaskDocument, { input: { type: 'echo', queue: 'carols' } });
    const mine = (await carol.data(QueuesDocument, {})).queues.find((q) => q.name === 'carols');
    expect(mine).toMatchObject({ pending: expect.any(Number) as unknown });
    const total = (q: { pending: number; running: number; succeeded: number }) => q.pending + q.running + q.succeeded;
    expect(total(mine!)).toBe(1);
    const dave = await as('dave');
    expect(total((await dave.data(QueuesDocument, {})).queues.find((q) => q.name === 'carols') ?? { pending: 0, running: 0, succeeded: 0 })).toBe(0);
    expect(total((await admin.data(QueuesDocument, {})).queues.find((q) => q.name === 'carols')!)).toBe(1);
  });
});

describe('task tokens', () => {
  it('read and watch exactly their tasks and nothing else', async () => {
    const erin = await as('erin');
    const shared = (await erin.data(EnqueueTaskDocument, { input: { type: 'sleep', input: { ms: 300, steps: 3 } } })).enqueueTask.task;
    const other = (await erin.data(EnqueueTaskDocument, { input: { type: 'echo' } })).enqueueTask.task;
    const { createTaskToken } = await erin.data(CreateTaskTokenDocument, { taskIds: [shared.id], ttlSeconds: 60 });

    const browser = connect(createTaskToken);
    expect((await browser.data(TaskDocument, { id: shared.id })).task?.id).toBe(shared.id);
    const watched = await browser.watch(TaskUpdatedDocument, { id: shared.id }).completed;
    expect(watched.at(-1)?.data?.taskUpdated.state).toBe('SUCCEEDED');
    expect((await browser.data(TaskDocument, { id: other.id })).task).toBeNull();
    expect((await browser.data(TasksDocument, {})).tasks.edges.map((e) => e.node.id)).toEqual([shared.id]);
    expect(errorCode(await browser.request(EnqueueTaskDocument, { input: { type: 'echo' } }))).toBe('FORBIDDEN');
    expect(errorCode(await browser.request(CancelTaskDocument, { id: shared.id }))).toBe('FORBIDDEN');
    expect(errorCode(await browser.request(QueuesDocument, {}))).toBe('FORBIDDEN');
    expect(errorCode(await browser.request(CreateTaskTokenDocument, { taskIds: [shared.id] }))).toBe('FORBIDDEN');
  });

  it('are only minted for the caller’s own tasks, for a bounded time', async () => {
    const frank = await as('frank');
    const task = (await frank.data(EnqueueTaskDocument, { input: { type: 'echo' } })).enqueueTask.task;
    expect(errorCode(await frank.request(CreateTaskTokenDocument, { taskIds: [task.id], ttlSeconds: 86_401 }))).toBe('BAD_USER_INPUT');
    expect(errorCode(await frank.request(CreateTaskTokenDocument, { taskIds: ['missing'] }))).toBe('NOT_FOUND');
  });
});

describe('limits', () => {
  it('refuses oversized inputs, deep, aliased and costly queries with BAD_USER_INPUT', async () => {
    const grace = await as('grace');
    expect(errorCode(await grace.request(EnqueueTaskDocument, { input: { type: 'echo', input: { pad: 'x'.repeat(2000) } } }))).toBe('BAD_USER_INPUT');
    const raw = async (query: string) => {
      const response = await fetch(`http://127.0.0.1:${server.port}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${await jwt(secret, 'grace', ['tasks:read'])}` },
        body: JSON.stringify({ query }),
      });
      return (await response.json()) as { errors?: { message: string; extensions?: Record<string, unknown> }[] };
    };
    const deep = `{ task(id: "x") { ${'events { task { '.repeat(50)} id ${'} } '.repeat(50)} } }`;
    const aliases = `{ ${Array.from({ length: 1000 }, (_, i) => `a${i}: taskTypes { name }`).join(' ')} }`;
    const costly = '{ tasks(first: 500) { edges { node { events { task { events { task { events { version } } } } } } } } }';
    for (const query of [deep, aliases, costly]) {
      const result = await raw(query);
      expect(errorCode(result), query.slice(0, 60)).toBe('BAD_USER_INPUT');
    }
    const suggestion = await raw('{ task(id: "x") { idd } }');
    expect(JSON.stringify(suggestion)).not.toContain('Did you mean');
  });

  it('closes a third WebSocket of one owner with 4429, and refuses a fourth subscription on one socket', async () => {
    const token = await jwt(secret, 'heidi', ['tasks:read', 'tasks:write']);
    const [a, b] = [connect(token), connect(token)];
    await Promise.all([a.connected, b.connected]);
    const third = connect(token);
    third.closed.catch(() => {});
    expect((await third.closed).code).toBe(4429);

    const task = (await a.data(EnqueueTaskDocument, { input: { type: 'sleep', input: { ms: 60_000 } } })).enqueueTask.task;
    const subs = [1, 2, 3].map(() => a.watch(TaskUpdatedDocument, { id: task.id }));
    await Promise.all(subs.map((s) => s.until(() => true)));
    const fourth = await a.watch(TaskUpdatedDocument, { id: task.id }).completed.catch((errors: unknown) => errors);
    expect(JSON.stringify(fourth)).toContain('RATE_LIMITED');
    await a.data(CancelTaskDocument, { id: task.id });
  });
});

describe('hostile input', () => {
  /** A task of a bystander, which nothing in this block may change. */
  let sentinel: { id: string; version: number; client: TestClient };
  beforeAll(async () => {
    const client = await as('bystander');
    const task = (await client.data(EnqueueTaskDocument, { input: { type: 'echo', delayMs: 3_600_000 } })).enqueueTask.task;
    sentinel = { id: task.id, version: task.version, client };
  });
  afterAll(async () => {
    const task = (await sentinel.client.data(TaskDocument, { id: sentinel.id })).task;
    expect(task).toMatchObject({ state: 'SCHEDULED', version: sentinel.version });
  });

  const post = (body: string | Blob, headers: Record<string, string> = { 'content-type': 'application/json' }) =>
    fetch(`http://127.0.0.1:${server.port}/graphql`, { method: 'POST', headers, body });

  it('answers malformed, mistyped and oversized requests with errors, never a crash', async () => {
    const auth = { authorization: `Bearer ${await jwt(secret, 'ivan', ['tasks:read', 'tasks:write'])}` };
    const cases: [string | Blob, Record<string, string>][] = [
      ['{"query": ', { 'content-type': 'application/json' }],
      ['query={task(id:"x"){id}}', { 'content-type': 'application/x-www-form-urlencoded' }],
      ['{"query": "{ task(id: 1) { nope } }"}', { 'content-type': 'application/json' }],
      [JSON.stringify({ query: 'mutation($i: EnqueueTaskInput!) { enqueueTask(input: $i) { task { id } } }', variables: { i: { type: 5 } } }), { 'content-type': 'application/json' }],
      [new Blob([new Uint8Array([0x7b, 0x22, 0x71, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d])]), { 'content-type': 'application/json' }], // invalid UTF-8
      ['x'.repeat(10 * 1024 * 1024), { 'content-type': 'application/json' }],
      [JSON.stringify({ query: 'mutation($i: JSON) { enqueueTask(input: {type: "echo", input: $i}) { task { id } } }', variables: { i: { n: Array.from({ length: 1_000_000 }, () => 0) } } }), { 'content-type': 'application/json' }],
    ];
    for (const [body, headers] of cases) {
      const which = typeof body === 'string' ? body.slice(0, 40) : 'invalid UTF-8';
      const response = await post(body, { ...headers, ...auth });
      const text = await response.text();
      expect(response.status, which).toBeLessThan(500);
      const errors = (JSON.parse(text) as { errors?: { extensions?: { code?: string } }[] }).errors;
      expect(errors?.[0]?.extensions?.code, which).toBe('BAD_USER_INPUT');
      expect(text).not.toMatch(/at \w+ \(|node_modules/);
    }
    // A GET without the CSRF header is the kind of "simple" request a foreign page can forge.
    const forged = await fetch(`http://127.0.0.1:${server.port}/graphql?query=${encodeURIComponent('{ taskTypes { name } }')}`, { headers: auth });
    expect(forged.status).toBe(403);
    expect((await fetch(`http://127.0.0.1:${server.port}/health`)).status).toBe(200);
  });

  it('closes a WebSocket that speaks out of turn or sends garbage, and serves others meanwhile', async () => {
    const token = await jwt(secret, 'judy', ['tasks:read']);
    const closeOf = (frames: (string | Buffer)[], init = true) =>
      new Promise<number>((resolve) => {
        const socket = new WebSocket(`ws://127.0.0.1:${server.port}/graphql`, 'graphql-transport-ws');
        socket.on('open', () => {
          if (init) socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${token}` } }));
          for (const frame of frames) socket.send(frame);
        });
        socket.on('close', (closeCode) => resolve(closeCode));
      });
    expect(await closeOf([JSON.stringify({ id: '1', type: 'subscribe', payload: { query: '{ taskTypes { name } }' } })], false)).toBe(4401);
    expect(await closeOf(['not json'])).toBe(4400);
    expect(await closeOf([Buffer.from([0xff, 0x00, 0x13])])).toBe(4400);
    expect(await closeOf([JSON.stringify({ type: 'connection_init' })])).toBe(4429); // init twice
    expect(await closeOf([JSON.stringify({ type: 'subscribe', id: 'x' })])).toBe(4400);
    const client = connect(token);
    expect((await client.request(TasksDocument, {})).errors).toBeUndefined();
  });

  it('survives 10,000 rapid subscribe/complete cycles on one socket', async () => {
    const token = await jwt(secret, 'kim', ['tasks:read', 'tasks:write']);
    const client = connect(token);
    const task = (await client.data(EnqueueTaskDocument, { input: { type: 'echo' } })).enqueueTask.task;
    await new Promise<void>((resolve, reject) => {
      const socket = new WebSocket(`ws://127.0.0.1:${server.port}/graphql`, 'graphql-transport-ws');
      socket.on('open', () => socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${token}` } })));
      socket.on('message', (data: Buffer) => {
        if ((JSON.parse(data.toString()) as { type: string }).type !== 'connection_ack') return;
        for (let i = 0; i < 10_000; i++) {
          socket.send(JSON.stringify({ id: `s${i}`, type: 'subscribe', payload: { query: `subscription { taskUpdated(id: "${task.id}") { id } }` } }));
          socket.send(JSON.stringify({ id: `s${i}`, type: 'complete' }));
        }
        socket.close(1000);
        resolve();
      });
      socket.on('error', reject);
    });
    expect((await client.data(TaskDocument, { id: task.id })).task?.id).toBe(task.id);
  });
});

describe('production settings', () => {
  it('can turn introspection off', async () => {
    const closed = await startTestRuntime(testConfig('no_introspection', { INTROSPECTION: 'false', GRAPHIQL: 'false' }));
    const api = await startApiServer(closed, schema, 0);
    try {
      const response = await fetch(`http://127.0.0.1:${api.port}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: '{ __schema { types { name } } }' }),
      });
      const body = (await response.json()) as { errors?: { extensions?: { code?: string } }[] };
      expect(body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    } finally {
      await api.close();
      await closed.close();
    }
  });
});

describe('operations endpoints', () => {
  it('serves /health, /ready and Prometheus metrics', async () => {
    const base = `http://127.0.0.1:${server.port}`;
    expect((await fetch(`${base}/health`)).status).toBe(200);
    expect((await fetch(`${base}/ready`)).status).toBe(200);
    const metrics = await (await fetch(`${base}/metrics`)).text();
    for (const name of ['taskql_task_events_total', 'taskql_queue_tasks', 'taskql_websockets_active', 'taskql_subscriptions_active', 'taskql_event_delivery_seconds', 'process_resident_memory_bytes']) {
      expect(metrics).toContain(name);
    }
  });
});
