/**
 * The ordering guarantees of per-task streams, on real Redis and the real MongoDB-compatible
 * server: changes that land between "watch" and "read", changes whose message never arrives,
 * and messages that arrive out of order; and that the streams of one task share their reads
 * without weakening any of that.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TaskFeeds } from '../../src/events/task-feeds.ts';
import { TaskStreams, type StreamSource, type TaskRecord, type TaskRecords } from '../../src/events/task-stream.ts';
import { reportProgress, startAttempt, succeed } from '../../src/model/state-machine.ts';
import type { Decision } from '../../src/service/task-recorder.ts';
import { isFinalState, type Task, type TaskRef } from '../../src/model/task.ts';
import type { TaskChange } from '../../src/model/task.ts';
import type { Runtime } from '../../src/runtime.ts';
import { startTestRuntime, testConfig } from '../support/runtime.ts';
import { waitUntil } from '../support/wait.ts';
import { ANONYMOUS } from '../../src/auth/principal.ts';

let runtime: Runtime;

beforeAll(async () => {
  runtime = await startTestRuntime(testConfig('stream'));
});
afterAll(async () => {
  await runtime?.close();
});

/** A stored task, queued nowhere (no worker runs here): the test moves it by hand. */
async function newTask(): Promise<Task> {
  const { task } = await runtime.tasks.enqueue(ANONYMOUS, { type: 'echo', input: {} });
  return task;
}

/** Record a change in MongoDB only, as if its publisher died before publishing. */
async function recordSilently(task: Task, decide: Decision): Promise<TaskChange> {
  const transition = decide(task, new Date());
  if (!transition.ok) throw new Error(transition.reason);
  expect(await runtime.store.commit(task, transition)).toBe(true);
  return { task: transition.task, event: transition.event };
}

async function recordAndPublish(task: Task, decide: Decision): Promise<TaskChange> {
  const recorded = await runtime.recorder.record(task, decide);
  if (!recorded.ok) throw new Error(recorded.reason);
  return recorded;
}

async function drain<T>(stream: AsyncIterable<T>): Promise<T[]> {
  const items: T[] = [];
  for await (const item of stream) items.push(item);
  return items;
}

/** The record as the API's streams read it, without events. */
async function readTask(ref: TaskRef): Promise<TaskRecord | null> {
  const task = await runtime.store.get(ref);
  return task && { task, events: [] };
}

/** The store, as streams see it, with `read` replaced when given. */
function records(read: TaskRecords['read'] = readTask): TaskRecords {
  return { read, versions: (refs) => runtime.store.versions(refs) };
}

/** Snapshots of the task, as `taskUpdated` streams them. */
const snapshots: StreamSource<Task> = {
  events: false,
  fromRecord: ({ task }: TaskRecord, after) => ({ items: task.version > after ? [task] : [], final: isFinalState(task.state) }),
  fromChange: (change) => change.task,
  version: (t) => t.version,
  isFinal: (t) => isFinalState(t.state),
};

const start: Decision = (t, now) => startAttempt(t, 'w', now);
const progress = (percent: number): Decision => (t, now) => reportProgress(t, 1, { percent }, now);
const finish: Decision = (t, now) => succeed(t, 1, 'done', now);

describe('task streams', () => {
  it('fills a gap left by a change that was recorded but never published', async () => {
    const task = await newTask();
    const stream = await runtime.tasks.watchEvents(ANONYMOUS, task.id, 0);
    const collected = drain(stream);
    const started = await recordSilently(task, start); // v2: no message
    const progressed = await recordAndPublish(started.task, progress(50)); // v3: message after a gap
    await recordAndPublish(progressed.task, finish); // v4
    expect((await collected).map((e) => `${e.version}:${e.type}`)).toEqual(['1:CREATED', '2:STARTED', '3:PROGRESS', '4:SUCCEEDED']);
  });

  it('delivers in version order when messages arrive out of order, without duplicates', async () => {
    const task = await newTask();
    const stream = await runtime.tasks.watchTask(ANONYMOUS, task.id);
    const collected = drain(stream);
    const v2 = await recordSilently(task, start);
    const v3 = await recordSilently(v2.task, progress(10));
    const v4 = await recordSilently(v3.task, finish);
    for (const change of [v3, v4, v2, v3]) await runtime.bus.publish(change);
    const seen = (await collected).map((t) => [t.version, t.state] as const);
    // A snapshot stream may skip to the newest task when it catches up; it never goes back or repeats.
    expect(seen[0]).toEqual([1, 'PENDING']);
    expect(seen.at(-1)).toEqual([4, 'SUCCEEDED']);
    for (let i = 1; i < seen.length; i++) expect(seen[i]![0]).toBeGreaterThan(seen[i - 1]![0]);
  });

  it('delivers every event in order when their messages arrive out of order', async () => {
    const task = await newTask();
    const collected = drain(await runtime.tasks.watchEvents(ANONYMOUS, task.id, 0));
    const v2 = await recordSilently(task, start);
    const v3 = await recordSilently(v2.task, progress(10));
    const v4 = await recordSilently(v3.task, finish);
    for (const change of [v3, v4, v2, v3]) await runtime.bus.publish(change);
    expect((await collected).map((e) => e.version)).toEqual([1, 2, 3, 4]);
  });

  it('keeps a change that lands between watching and reading, and drops what the read already had', async () => {
    const task = await newTask();
    const v2 = await recordSilently(task, start);
    // The read happens while two changes are published: v2 (which the read includes) and v3
    // (which it does not); v4 follows.
    let read = false;
    const streams = new TaskStreams(runtime.bus, records(async (ref) => {
      const snapshot = await readTask(ref);
      if (!read) {
        read = true;
        const v3 = await recordSilently(v2.task, progress(30));
        await runtime.bus.publish(v2);
        await runtime.bus.publish(v3);
        const v4 = await recordSilently(v3.task, finish);
        await runtime.bus.publish(v4);
      }
      return snapshot;
    }));
    const items = await drain(await streams.open(task, 0, snapshots));
    expect(items.map((t) => t.version)).toEqual([2, 3, 4]);
  });

  it('shares one read among the streams of a task that open together', async () => {
    const task = await newTask();
    const before = runtime.streams.reads;
    const streams = await Promise.all(Array.from({ length: 50 }, () => runtime.tasks.watchTask(ANONYMOUS, task.id)));
    expect(runtime.streams.reads - before).toBe(1);
    const collected = streams.map(drain);
    const v2 = await recordAndPublish(task, start);
    await recordAndPublish(v2.task, finish);
    for (const items of await Promise.all(collected)) expect(items.map((t) => t.version)).toEqual([1, 2, 3]);
  });

  it('never gives a stream a read that started before it watched', async () => {
    const task = await newTask();
    // While the first stream's read runs (and after it has read v1), v2 is recorded and published,
    // then a second stream opens: it did not hear v2, so only a read of its own can give it v2.
    let second: Promise<AsyncIterableIterator<Task>> | undefined;
    const streams = new TaskStreams(runtime.bus, records(async (ref) => {
      const snapshot = await readTask(ref);
      if (!second) {
        await recordAndPublish(task, start);
        second = streams.open(task, 0, snapshots);
      }
      return snapshot;
    }));
    const first = drain(await streams.open(task, 0, snapshots));
    const late = drain(await second!);
    const now = (await runtime.store.get(task))!;
    await recordAndPublish(now, finish);
    expect((await first).map((t) => t.version)).toEqual([1, 2, 3]);
    expect((await late).map((t) => t.version)).toEqual([2, 3]);
    expect(streams.reads).toBe(2);
  });

  it('reads a silent task once for all its streams, and so finds a change never published', async () => {
    const task = await newTask();
    const idleMs = 300;
    const streams = new TaskStreams(runtime.bus, records(), idleMs);
    const open = await Promise.all(Array.from({ length: 20 }, () => streams.open(task, 0, snapshots)));
    const collected = open.map(drain);
    const v2 = await recordSilently(task, start);
    await recordSilently(v2.task, finish);
    for (const items of await Promise.all(collected)) expect(items.at(-1)).toMatchObject({ version: 3, state: 'SUCCEEDED' });
    // The opening read and one read per silent period, however many streams: never one each.
    expect(streams.reads).toBeGreaterThanOrEqual(2);
    expect(streams.reads).toBeLessThan(open.length);
  });

  it('looks at all silent tasks in one query per period, and reads only the one that moved unannounced', async () => {
    let versionQueries = 0;
    const streams = new TaskStreams(
      runtime.bus,
      {
        read: readTask,
        versions: (refs) => {
          versionQueries++;
          return runtime.store.versions(refs);
        },
      },
      200,
    );
    const quiet = await Promise.all(Array.from({ length: 30 }, newTask));
    const quietStreams = await Promise.all(quiet.map((task) => streams.open(task, 0, snapshots)));
    const moving = await newTask();
    const collected = drain(await streams.open(moving, 0, snapshots));
    const opening = streams.reads;
    expect(opening).toBe(quiet.length + 1);

    const v2 = await recordSilently(moving, start);
    await recordSilently(v2.task, finish);
    expect((await collected).at(-1)).toMatchObject({ version: 3, state: 'SUCCEEDED' });
    const caughtUp = streams.reads - opening;
    expect(caughtUp).toBeGreaterThanOrEqual(1);
    expect(caughtUp).toBeLessThanOrEqual(2);

    // Three more silent periods: the quiet tasks are looked at, one query each time, never read.
    const queries = versionQueries;
    await waitUntil('three more silence checks have run', () => versionQueries >= queries + 3, { timeoutMs: 5_000 });
    expect(streams.reads - opening).toBe(caughtUp);
    for (const stream of quietStreams) await stream.return?.();
  });

  it('fails at once for an unknown task and leaves no watcher behind', async () => {
    const before = runtime.bus.watchedTasks;
    await expect(runtime.tasks.watchEvents(ANONYMOUS, 'missing', 0)).rejects.toThrow('task missing not found');
    expect(runtime.bus.watchedTasks).toBe(before);
  });

  it('stops watching when the subscriber leaves early', async () => {
    const task = await newTask();
    const before = runtime.bus.watchedTasks;
    const stream = await runtime.tasks.watchTask(ANONYMOUS, task.id);
    expect(runtime.bus.watchedTasks).toBe(before + 1);
    expect((await stream.next()).value).toMatchObject({ version: 1 });
    await stream.return?.();
    expect(runtime.bus.watchedTasks).toBe(before);
  });
});

describe('task feeds', () => {
  it("deliver a task's CREATED before its STARTED when the worker's message is heard first", async () => {
    const tag = `order-${Date.now()}`;
    // The API's CREATED, as it is heard on the bus, is held back until STARTED has been heard.
    const heard: TaskChange[] = [];
    const unwatch = runtime.bus.watchAll({ onChange: (c) => c.task.tags.includes(tag) && heard.push(c), onResync: () => {} });
    const { task } = await runtime.tasks.enqueue(ANONYMOUS, { type: 'echo', input: {}, tags: [tag] });
    await waitUntil('the CREATED message is heard', () => heard.length === 1);
    unwatch();
    // Feeds that began listening as the task was created (their clock says so), as on an API
    // process whose feed opened just before.
    const feeds = new TaskFeeds(runtime.bus, () => task.createdAt);
    const received: string[] = [];
    const feed = feeds.open({ tags: [tag] });
    const collected = (async () => {
      for await (const event of feed) {
        received.push(`${event.version}:${event.type}`);
        if (received.length === 3) break;
      }
    })();
    await waitUntil('the feed listens', () => feeds.size === 1);
    const started = await recordSilently(task, start);
    await runtime.bus.publish(started);
    await runtime.bus.publish(heard[0]!);
    await recordAndPublish(started.task, finish);
    await collected;
    expect(received).toEqual(['1:CREATED', '2:STARTED', '3:SUCCEEDED']);
  });
});
