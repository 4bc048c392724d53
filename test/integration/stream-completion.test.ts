/**
 * Every per-task subscription completes after the task's final state — whatever `afterVersion`
 * asked for, and whether it was opened before, during or after the final change — as a client
 * sees it over the real WebSocket. No worker runs: the test moves each task through the recorder
 * (MongoDB, then Redis, as a worker does), so it decides when the final change lands relative to
 * the subscription, and its clock makes a task's retention run out at once.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  CancelTaskDocument,
  EnqueueTaskDocument,
  RetryTaskDocument,
  TaskEventsDocument,
  TaskUpdatedDocument,
  type EnqueueTaskInput,
  type TaskEventsSubscription,
  type TaskUpdatedSubscription,
} from '../../schema/generated/graphql.ts';
import type { TaskChange } from '../../src/model/task.ts';
import { failAttempt, reportProgress, startAttempt, succeed } from '../../src/model/state-machine.ts';
import type { Task } from '../../src/model/task.ts';
import type { Decision } from '../../src/service/task-recorder.ts';
import { TestClock } from '../support/clock.ts';
import type { Watched } from '../support/graphql-client.ts';
import { errorCode, startStack, type Stack } from '../support/stack.ts';
import { within } from '../support/wait.ts';

const clock = new TestClock();
let stack: Stack;

beforeAll(async () => {
  stack = await startStack('stream_completion', { worker: false, now: clock.now });
});
afterAll(async () => {
  await stack?.close();
});

/**
 * How long a subscription may take to complete once its task is final: the final change is
 * published to it, so it completes at once; the bound only turns a subscription that never
 * completes into a failure that says so.
 */
const COMPLETES_WITHIN_MS = 10_000;

/** The same for a stream that learns of the final change only by looking again after a silent period (two, at worst, of `IDLE_CATCH_UP_MS`, spaced out on a slow server). */
const CATCHES_UP_WITHIN_MS = 20_000;

async function enqueue(input: Partial<EnqueueTaskInput> = {}): Promise<Task> {
  const { enqueueTask } = await stack.client.data(EnqueueTaskDocument, { input: { type: 'echo', ...input } });
  return (await stack.runtime.store.get({ id: enqueueTask.task.id, owner: null }))!;
}

/** Record `decide`'s change to the task and publish it, as a worker does. */
async function record(task: Task, decide: Decision): Promise<Task> {
  const recorded = await stack.runtime.recorder.record(task, decide);
  if (!recorded.ok) throw new Error(`${decide.name || 'change'} refused: ${recorded.reason}`);
  return recorded.task;
}

/** Record `decide`'s change in MongoDB only, as if its writer died before publishing it. */
async function recordUnannounced(task: Task, decide: Decision): Promise<Task> {
  const transition = decide(task, clock.now());
  if (!transition.ok) throw new Error(transition.reason);
  expect(await stack.runtime.store.commit(task, transition)).toBe(true);
  return transition.task;
}

const start: Decision = (t, now) => startAttempt(t, 'by-hand', now);
const progress: Decision = (t, now) => reportProgress(t, t.attempt, { percent: 50 }, now);
const finish: Decision = (t, now) => succeed(t, t.attempt, { done: true }, now);
const failForGood: Decision = (t, now) =>
  failAttempt(t, t.attempt, { name: 'Error', message: 'broken', stack: null, retryable: false }, 0, now);

/** A task RUNNING at version 3 (CREATED, STARTED, PROGRESS), whose final change would be version 4. */
async function runningTask(input: Partial<EnqueueTaskInput> = {}): Promise<Task> {
  return record(await record(await enqueue(input), start), progress);
}

/**
 * A task that FAILED at version 3, was requeued with `retryTask` (4) and is RUNNING again (5),
 * whose final change would be version 6; and the change that failed it.
 */
async function requeuedTask(): Promise<{ task: Task; failure: TaskChange }> {
  const failed = await stack.runtime.recorder.record(await record(await enqueue(), start), failForGood);
  if (!failed.ok) throw new Error(failed.reason);
  expect((await stack.client.data(RetryTaskDocument, { id: failed.task.id })).retryTask).toMatchObject({ state: 'PENDING', version: 4 });
  const task = await record((await stack.runtime.store.get({ id: failed.task.id, owner: null }))!, start);
  return { task, failure: { task: failed.task, event: failed.event } };
}

/**
 * Resolves once the API has opened its next stream of `method` — the subscription's first read is
 * done and it listens live — so that a change recorded after this reaches the open stream, not
 * its first read. (A subscription that asks only for versions beyond the task's receives nothing
 * to show this.)
 */
function nextStreamOpen(method: 'watchEvents' | 'watchTask'): Promise<void> {
  const tasks = stack.runtime.tasks;
  const original = tasks[method].bind(tasks) as (...args: unknown[]) => Promise<unknown>;
  return new Promise((resolve) => {
    const spy = vi.spyOn(tasks, method).mockImplementationOnce((async (...args: unknown[]) => {
      spy.mockRestore();
      try {
        return await original(...args);
      } finally {
        resolve();
      }
    }) as never);
  });
}

function follow(id: string, afterVersion: number): Watched<TaskEventsSubscription> {
  return stack.client.watch(TaskEventsDocument, { id, afterVersion });
}

/** The versions and types a `taskEvents` subscription delivered, once it has completed. */
async function eventsWhenComplete(watched: Watched<TaskEventsSubscription>, what: string, ms = COMPLETES_WITHIN_MS): Promise<string[]> {
  const results = await within(`taskEvents(${what}) completes`, ms, watched.completed);
  expect(results.flatMap((r) => r.errors ?? [])).toEqual([]);
  return results.map((r) => `${r.data?.taskEvents.version}:${r.data?.taskEvents.type}`);
}

/** The versions and states a `taskUpdated` subscription delivered, once it has completed. */
async function snapshotsWhenComplete(watched: Watched<TaskUpdatedSubscription>): Promise<string[]> {
  const results = await within('taskUpdated completes', COMPLETES_WITHIN_MS, watched.completed);
  expect(results.flatMap((r) => r.errors ?? [])).toEqual([]);
  return results.map((r) => `${r.data?.taskUpdated.version}:${r.data?.taskUpdated.state}`);
}

/** afterVersion against a task RUNNING at version 3 whose final event is version 4, and what follows it. */
const AFTER_VERSIONS = [
  { afterVersion: 1, relation: 'below the current version', delivered: ['2:STARTED', '3:PROGRESS', '4:SUCCEEDED'] },
  { afterVersion: 3, relation: 'at the current version', delivered: ['4:SUCCEEDED'] },
  { afterVersion: 4, relation: 'above the current version, at the final one', delivered: [] },
  { afterVersion: 9, relation: 'beyond the final version', delivered: [] },
];

describe('taskEvents completes after the final event', () => {
  it.each(AFTER_VERSIONS)('opened before the final event, afterVersion $relation', async ({ afterVersion, delivered }) => {
    const task = await runningTask();
    const open = nextStreamOpen('watchEvents');
    const watched = follow(task.id, afterVersion);
    await open;
    await record(task, finish);
    expect(await eventsWhenComplete(watched, `after ${afterVersion}`)).toEqual(delivered);
  });

  it.each(AFTER_VERSIONS)('opened while the final event is recorded, afterVersion $relation', async ({ afterVersion, delivered }) => {
    const task = await runningTask();
    // The subscribe message and the final change race: the change lands before the stream's first
    // read, during it or after it. Each ends the same way.
    const watched = follow(task.id, afterVersion);
    await record(task, finish);
    expect(await eventsWhenComplete(watched, `after ${afterVersion}`)).toEqual(delivered);
  });

  it.each(AFTER_VERSIONS)('opened after the final event, afterVersion $relation', async ({ afterVersion, delivered }) => {
    const task = await runningTask();
    await record(task, finish);
    expect(await eventsWhenComplete(follow(task.id, afterVersion), `after ${afterVersion}`)).toEqual(delivered);
  });

  it.each([
    { afterVersion: 0, delivered: ['1:CREATED', '2:CANCELLED'] },
    { afterVersion: 1, delivered: ['2:CANCELLED'] },
    { afterVersion: 2, delivered: [] },
    { afterVersion: 5, delivered: [] },
  ])('on a SCHEDULED task that is then cancelled, afterVersion $afterVersion', async ({ afterVersion, delivered }) => {
    const task = await enqueue({ delayMs: 60_000 });
    expect(task).toMatchObject({ state: 'SCHEDULED', version: 1 });
    const open = nextStreamOpen('watchEvents');
    const watched = follow(task.id, afterVersion);
    await open;
    expect((await stack.client.data(CancelTaskDocument, { id: task.id })).cancelTask).toMatchObject({ state: 'CANCELLED', version: 2 });
    expect(await eventsWhenComplete(watched, `after ${afterVersion}`)).toEqual(delivered);
  });
});

describe('taskEvents on a task that failed and was requeued', () => {
  it('completes after its new final event, not after the earlier one it replays', async () => {
    const { task } = await requeuedTask();
    const open = nextStreamOpen('watchEvents');
    const watched = follow(task.id, 0);
    await open;
    await record(task, finish);
    expect(await eventsWhenComplete(watched, 'after 0')).toEqual(['1:CREATED', '2:STARTED', '3:FAILED', '4:REQUEUED', '5:STARTED', '6:SUCCEEDED']);
  });

  it('is not ended by a late message of the earlier final event', async () => {
    const { task, failure } = await requeuedTask();
    const open = nextStreamOpen('watchEvents');
    const watched = follow(task.id, 5);
    await open;
    await stack.runtime.bus.publish(failure); // another publisher's message, arriving late
    await record(task, finish);
    expect(await eventsWhenComplete(watched, 'after 5')).toEqual(['6:SUCCEEDED']);
  });
});

describe('taskUpdated completes after the final state', () => {
  it('opened before the final change: the task now, then the final task', async () => {
    const task = await runningTask();
    const open = nextStreamOpen('watchTask');
    const watched = stack.client.watch(TaskUpdatedDocument, { id: task.id });
    await open;
    await record(task, finish);
    expect(await snapshotsWhenComplete(watched)).toEqual(['3:RUNNING', '4:SUCCEEDED']);
  });

  it('opened while the final change is recorded: ends with the final task, never going back', async () => {
    const task = await runningTask();
    const watched = stack.client.watch(TaskUpdatedDocument, { id: task.id });
    await record(task, finish);
    // Opened before the change it sees version 3 first; opened after it, only version 4.
    expect(['3:RUNNING,4:SUCCEEDED', '4:SUCCEEDED']).toContain((await snapshotsWhenComplete(watched)).join());
  });

  it('opened after the final change: the final task alone', async () => {
    const task = await runningTask();
    await record(task, finish);
    expect(await snapshotsWhenComplete(stack.client.watch(TaskUpdatedDocument, { id: task.id }))).toEqual(['4:SUCCEEDED']);
  });

  it('on a SCHEDULED task that is then cancelled', async () => {
    const task = await enqueue({ delayMs: 60_000 });
    const open = nextStreamOpen('watchTask');
    const watched = stack.client.watch(TaskUpdatedDocument, { id: task.id });
    await open;
    await stack.client.data(CancelTaskDocument, { id: task.id });
    expect(await snapshotsWhenComplete(watched)).toEqual(['1:SCHEDULED', '2:CANCELLED']);
  });
});

describe('a task that expired meanwhile', () => {
  it('answers NOT_FOUND to subscriptions opened once it has expired: taskEvents at any afterVersion, and taskUpdated', async () => {
    const task = await runningTask({ resultTtlSeconds: 60 });
    const final = await record(task, finish);
    clock.passTo(final.expiresAt!);
    for (const afterVersion of [0, 4, 9]) {
      const results = await within('taskEvents answers', COMPLETES_WITHIN_MS, follow(task.id, afterVersion).completed);
      expect(results.map(errorCode)).toEqual(['NOT_FOUND']);
    }
    const updated = await within('taskUpdated answers', COMPLETES_WITHIN_MS, stack.client.watch(TaskUpdatedDocument, { id: task.id }).completed);
    expect(updated.map(errorCode)).toEqual(['NOT_FOUND']);
  });

  it('completes, without an error, a subscription whose task finished unannounced and expired before the stream looked again', async () => {
    // The stream learns of an unannounced change only when it looks at the record again (after a
    // silent period); by then the task is gone, its events with it: the stream ends, as it would
    // after the final event it can no longer read.
    const task = await runningTask({ resultTtlSeconds: 60 });
    const open = nextStreamOpen('watchEvents');
    const watched = follow(task.id, 3);
    await open;
    const final = await recordUnannounced(task, finish);
    clock.passTo(final.expiresAt!);
    expect(await eventsWhenComplete(watched, 'after 3, task expired', CATCHES_UP_WITHIN_MS)).toEqual([]);
  });
});
