/**
 * Every command the store sends to a sharded collection names the shard key (docs/mongodb-sharding.md),
 * recorded with the driver's command monitoring while tasks and schedules go through their
 * flows on the real servers: enqueue (one, many, a repeated idempotency key), the worker's start,
 * progress and success, a retry after a failed attempt, retryTask, cancelling a waiting and a
 * running task, a parent spawning children that settle it, subscriptions, the reconciler's
 * repair, retention, and schedules (create, update, pause, resume, trigger, a scheduler tick, delete).
 *
 * The exceptions are named: the chores' scans across owners (and nothing else), and lookups by id
 * alone where the owner is not known — an admin's, and a job queued without its owner. On FerretDB,
 * which is not sharded, a point filter of a task is `{ _id }` (with `version` on the claim path):
 * that is the form checked there.
 */
import { Queue } from 'bullmq';
import type { CommandStartedEvent, Document } from 'mongodb';
import { setTimeout as delay } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { z } from 'zod';
import type { Principal } from '../../src/auth/principal.ts';
import { isFinalState, type Task } from '../../src/model/task.ts';
import { bullQueueName } from '../../src/queue/queue-names.ts';
import { reconcilerChore } from '../../worker/reconciler.ts';
import { retentionChore } from '../../worker/retention.ts';
import { startStack, type Stack } from '../support/stack.ts';
import { testTaskType } from '../support/task-types.ts';
import { waitUntil } from '../support/wait.ts';

const SHARDED = new Set(['tasks', 'schedules']);

/** One filter a command sent to a sharded collection, and what was going on when it was sent. */
interface SentFilter {
  collection: string;
  command: string;
  /** Whether the command names one document (a findOne, an updateOne, a deleteOne, a findAndModify). */
  single: boolean;
  filter: Document;
  phase: string;
}

const alice: Principal = { owner: 'alice', scopes: new Set(['tasks:read', 'tasks:write']), taskIds: null, expiresAt: null };
const admin: Principal = { owner: 'ops', scopes: new Set(['admin']), taskIds: null, expiresAt: null };

const flaky = new Map<string, number>();
const handlers = [
  testTaskType({
    name: 'steps',
    input: z.object({ steps: z.number().int() }),
    handler: async ({ steps }, { progress }) => {
      for (let i = 1; i <= steps; i++) {
        progress({ percent: (100 * i) / steps });
        await delay(20);
      }
      return { steps };
    },
  }),
  testTaskType({
    name: 'flaky',
    input: z.object({ key: z.string() }),
    maxAttempts: 2,
    backoff: { type: 'fixed', delayMs: 50 },
    handler: ({ key }) => {
      const tries = (flaky.get(key) ?? 0) + 1;
      flaky.set(key, tries);
      if (tries === 1) throw new Error('first attempt fails');
      return { tries };
    },
  }),
  testTaskType({ name: 'fails', input: z.object({}), handler: () => Promise.reject(new Error('always')) }),
  testTaskType({
    name: 'parent',
    input: z.object({}),
    handler: async (_input, ctx) => {
      await ctx.spawn('steps', { steps: 1 });
      await ctx.spawn('steps', { steps: 1 });
      return ctx.waitForChildren();
    },
  }),
  testTaskType({
    name: 'waits',
    input: z.object({}),
    handler: (_input, { signal }) => new Promise((resolve) => signal.addEventListener('abort', () => resolve({ stopped: true }))),
  }),
];

let stack: Stack;
let ferretdb: boolean;
const sent: SentFilter[] = [];
let phase = 'flows';

/** Run `body` with the commands it sends marked as `name`. */
async function during<T>(name: string, body: () => Promise<T>): Promise<T> {
  phase = name;
  try {
    return await body();
  } finally {
    phase = 'flows';
  }
}

/** The filters of a command on a sharded collection. */
function filtersOf(event: CommandStartedEvent): Omit<SentFilter, 'phase'>[] {
  const { command, commandName } = event;
  const collection = command[commandName] as unknown;
  if (typeof collection !== 'string' || !SHARDED.has(collection)) return [];
  const of = (filter: Document, single: boolean) => ({ collection, command: commandName, single, filter });
  switch (commandName) {
    case 'find':
      return [of(command['filter'] as Document, command['limit'] === 1 || command['singleBatch'] === true)];
    case 'findAndModify':
      return [of(command['query'] as Document, true)];
    case 'update':
      return (command['updates'] as Document[]).map((u) => of(u['q'] as Document, u['multi'] !== true));
    case 'delete':
      return (command['deletes'] as Document[]).map((d) => of(d['q'] as Document, d['limit'] === 1));
    case 'count':
      return [of((command['query'] as Document | undefined) ?? {}, false)];
    case 'aggregate': {
      const first = (command['pipeline'] as Document[])[0];
      return [of((first?.['$match'] as Document | undefined) ?? {}, false)];
    }
    default:
      return [];
  }
}

/** Whether `filter` selects only documents with `field` set to one value (directly, in a part of `$and`, in every branch of `$or`). */
function names(filter: Document, field: string): boolean {
  const value: unknown = filter[field];
  if (value !== undefined && (typeof value !== 'object' || value === null || '$in' in value)) return true;
  const and = filter['$and'] as Document[] | undefined;
  if (and?.some((part) => names(part, field))) return true;
  const or = filter['$or'] as Document[] | undefined;
  return or !== undefined && or.length > 0 && or.every((branch) => names(branch, field));
}

/** Whether `filter` has exactly `fields` at its top level. */
function hasExactly(filter: Document, ...fields: string[]): boolean {
  return Object.keys(filter).sort().join() === [...fields].sort().join();
}

beforeAll(async () => {
  const url = new URL(inject('mongoUrl'));
  url.searchParams.set('monitorCommands', 'true');
  stack = await startStack('shard-keys', { handlers, env: { MONGO_URL: url.toString(), RECONCILE_GRACE_MS: '0', RECONCILE_INTERVAL_MS: '3600000' } });
  const info = await stack.runtime.db.admin().command({ buildInfo: 1 });
  ferretdb = typeof info['ferretdbVersion'] === 'string';
  stack.runtime.db.client.on('commandStarted', (event: CommandStartedEvent) => {
    for (const filter of filtersOf(event)) sent.push({ ...filter, phase });
  });
});
afterAll(async () => {
  await stack?.close();
});

/** The task once it is final, as its subscription shows it. */
async function settled(principal: Principal, id: string): Promise<Task> {
  let last: Task | undefined;
  for await (const task of await stack.runtime.tasks.watchTask(principal, id)) last = task;
  return last!;
}

describe('the shard key in every command', () => {
  it('is named by what the store sends while tasks and schedules go through their flows', async () => {
    const { tasks, store, schedules, scheduler } = stack.runtime;

    // Enqueue, run with progress, succeed; the same idempotency key again; a batch.
    const steps = await tasks.enqueue(alice, { type: 'steps', input: { steps: 3 }, idempotencyKey: 'k1' });
    expect((await tasks.enqueue(alice, { type: 'steps', input: { steps: 3 }, idempotencyKey: 'k1' })).deduplicated).toBe(true);
    const batch = await tasks.enqueueMany(alice, [{ type: 'steps', input: { steps: 1 } }, { type: 'steps', input: { steps: 1 } }]);
    expect(await settled(alice, steps.task.id)).toMatchObject({ state: 'SUCCEEDED', progress: { percent: 100 } });
    for (const { task } of batch) expect(await settled(alice, task.id)).toMatchObject({ state: 'SUCCEEDED' });
    expect(await tasks.events(alice, steps.task.id, 0)).toEqual(expect.arrayContaining([expect.objectContaining({ type: 'SUCCEEDED' })]));

    // A failed attempt retried by its backoff; a failed task retried by retryTask.
    const retried = await tasks.enqueue(alice, { type: 'flaky', input: { key: 'a' } });
    expect(await settled(alice, retried.task.id)).toMatchObject({ state: 'SUCCEEDED', attempt: 2 });
    const failed = await tasks.enqueue(alice, { type: 'fails', input: {} });
    expect(await settled(alice, failed.task.id)).toMatchObject({ state: 'FAILED' });
    await tasks.retry(alice, failed.task.id);
    expect(await settled(alice, failed.task.id)).toMatchObject({ state: 'FAILED', attempt: 2 });

    // A parent spawning two children and settled by them; its family read back.
    const parent = await tasks.enqueue(alice, { type: 'parent', input: {} });
    expect(await settled(alice, parent.task.id)).toMatchObject({ state: 'SUCCEEDED', result: { children: [{ state: 'SUCCEEDED' }, { state: 'SUCCEEDED' }] } });
    const [child] = await stack.runtime.children.childrenOf(alice, (await tasks.get(alice, parent.task.id))!);
    expect(await stack.runtime.children.parentOf(alice, child!)).toMatchObject({ id: parent.task.id });

    // Cancelling a waiting task and a running one.
    const waiting = await tasks.enqueue(alice, { type: 'steps', input: { steps: 1 }, delayMs: 60_000 });
    expect(await tasks.cancel(alice, waiting.task.id, 'not needed')).toMatchObject({ state: 'CANCELLED' });
    const running = await tasks.enqueue(alice, { type: 'waits', input: {} });
    await waitUntil('the task runs', async () => (await tasks.get(alice, running.task.id))?.state === 'RUNNING');
    expect(await tasks.cancel(alice, running.task.id, 'stop')).toMatchObject({ state: 'CANCELLED' });
    expect((await tasks.list(alice, {}, 50, null, 'CREATED_AT_DESC')).totalCount).toBe(10);

    // The reconciler: a waiting task whose job is gone is queued again.
    const orphan = await tasks.enqueue(alice, { type: 'steps', input: { steps: 1 }, delayMs: 60_000 });
    await stack.runtime.queues.remove(orphan.task);
    const repaired = await reconcilerChore(stack.runtime).run();
    expect(repaired).toEqual([orphan.task.id]);
    await tasks.cancel(alice, orphan.task.id, null);

    // Retention: a finished task past its retention is deleted.
    const brief = await tasks.enqueue(alice, { type: 'steps', input: { steps: 1 }, resultTtlSeconds: 1 });
    expect(await settled(alice, brief.task.id)).toMatchObject({ state: 'SUCCEEDED' });
    await waitUntil('the task expired', async () => (await tasks.get(alice, brief.task.id)) === null);
    expect(await retentionChore(stack.runtime).run()).toBe(1);

    // An admin acts on another owner's task: found by id, then written with the task's key.
    const other = await tasks.enqueue(alice, { type: 'steps', input: { steps: 1 }, delayMs: 60_000 });
    await during('admin', async () => {
      expect(await tasks.get(admin, other.task.id)).toMatchObject({ owner: 'alice' });
      expect(await tasks.cancel(admin, other.task.id, 'by an admin')).toMatchObject({ state: 'CANCELLED' });
    });

    // A job queued without the owner (as jobs were before they carried it) still runs.
    const legacy = await tasks.enqueue(alice, { type: 'steps', input: { steps: 1 }, delayMs: 60_000 });
    await stack.runtime.queues.remove(legacy.task);
    const queue = new Queue(bullQueueName(legacy.task.queue), { connection: stack.runtime.redis, prefix: stack.runtime.config.redisPrefix });
    await during('job without owner', async () => {
      await queue.add(legacy.task.type, { taskId: legacy.task.id }, { jobId: legacy.task.id, removeOnComplete: true, removeOnFail: true });
      await waitUntil('the job ran', async () => isFinalState((await store.get(legacy.task))?.state ?? 'PENDING'));
    });
    await queue.close();

    // Schedules.
    const schedule = await schedules.create(alice, { name: 'hourly', type: 'steps', input: { steps: 1 }, every: 3_600_000 });
    await schedules.update(alice, schedule.id, { name: 'hourly-renamed', type: 'steps', input: { steps: 1 }, every: 3_600_000 });
    await schedules.pause(alice, schedule.id);
    await schedules.resume(alice, schedule.id);
    const triggered = await schedules.trigger(alice, schedule.id);
    expect(await settled(alice, triggered.id)).toMatchObject({ state: 'SUCCEEDED' });
    expect(await scheduler.tick(new Date(Date.now() + 3_600_000))).toBe(1);
    expect((await schedules.list(alice, 10, null)).totalCount).toBe(1);
    expect(await schedules.delete(alice, schedule.id)).toBe(true);

    const problems: string[] = [];
    const seen = new Set<string>();
    for (const s of sent) {
      const label = `${s.phase}: ${s.command} ${s.collection}${s.single ? ' (one)' : ''} ${JSON.stringify(s.filter)}`;
      seen.add(`${s.collection} ${s.command}${s.single ? ' one' : ''}`);
      const problem = problemOf(s);
      if (problem) problems.push(`${problem} — ${label}`);
    }
    expect(problems).toEqual([]);
    // The flows went through every kind of command the store sends.
    expect([...seen].sort()).toEqual(
      expect.arrayContaining(['tasks find one', 'tasks update one', 'tasks delete', 'tasks find', 'tasks aggregate', 'schedules find one', 'schedules findAndModify one', 'schedules update one', 'schedules delete one']),
    );
  });
});

/** What is wrong with one sent filter, or null when it names what it must. */
function problemOf(s: SentFilter): string | null {
  const { filter } = s;
  if (s.collection === 'schedules') {
    // Due schedules: the scheduler's scan across owners (the worker here ticks it too).
    if (!s.single && hasExactly(filter, 'paused', '$or')) return null;
    if (!names(filter, 'owner')) return 'no owner';
    return s.single && !('_id' in filter) && !('name' in filter) ? 'one schedule, named by neither id nor name' : null;
  }
  // The chores' scans across owners (the worker here runs them on its own too): expired tasks,
  // unfinished tasks, parents waiting for their children and parents cancelled after running (a
  // page after an id, or the first).
  const paged = (...fields: string[]) => hasExactly(filter, ...fields) || hasExactly(filter, ...fields, '_id');
  const parents = paged('waitingForChildren', 'state', 'updatedAt') || paged('state', 'finishedAt', 'attempt');
  if (!s.single && s.command === 'find' && (hasExactly(filter, 'expiresAt') || hasExactly(filter, 'state', 'updatedAt') || parents)) return null;
  const pointById = typeof filter['_id'] === 'string';
  if (ferretdb && pointById && (hasExactly(filter, '_id') || hasExactly(filter, '_id', 'version'))) return null; // FerretDB's form
  if ((s.phase === 'admin' || s.phase === 'job without owner') && hasExactly(filter, '_id')) return null; // the owner is not known yet
  if (!names(filter, 'owner')) return 'no owner';
  if (s.command === 'update' || (s.command === 'delete' && s.single)) {
    return names(filter, 'dedupeKey') && pointById ? null : 'a write of one task without the full key and _id';
  }
  if (s.single && s.command === 'find' && !names(filter, '_id') && !names(filter, 'dedupeKey')) return 'one task, named by neither id nor key';
  return null;
}
