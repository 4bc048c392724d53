/**
 * Task logs and output on the real servers with a worker: lines carry their attempt and a
 * retried task keeps both attempts' lines, numbered on; `logs(last:)` is the newest; past
 * TASK_LOG_MAX_LINES the oldest go with one LOG_TRUNCATED event; several streams are numbered
 * apart; bad arguments are BAD_USER_INPUT; a bad write throws to the handler, which goes on; a
 * batch whose publish was lost reaches subscribers from MongoDB; and logs and output are deleted
 * with their task.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  EnqueueTaskDocument,
  TaskHistoryDocument,
  TaskLogsDocument,
  TaskLogStreamDocument,
  TaskOutputDocument,
  TaskOutputStreamDocument,
} from '../../schema/generated/graphql.ts';
import { ANONYMOUS } from '../../src/auth/principal.ts';
import { builtinHandlers } from '../../worker/handlers/index.ts';
import { retentionChore } from '../../worker/retention.ts';
import { TestClock } from '../support/clock.ts';
import { errorCode, startStack, type Stack } from '../support/stack.ts';
import { testTaskType } from '../support/task-types.ts';

const MAX_LINES = 100;

/** Writes `lines` log lines (and as many chunks on two streams) per attempt; fails its first `failAttempts` attempts. */
const chatty = testTaskType({
  name: 'chatty',
  input: z.object({ lines: z.number().int(), failAttempts: z.number().int().default(0) }),
  handler: async ({ lines, failAttempts }, ctx) => {
    const refused: string[] = [];
    for (let i = 1; i <= lines; i++) {
      ctx.log.info(`line ${i}`, { i });
      await ctx.output.write(`out ${i};`);
      await ctx.output.write(`err ${i};`, { stream: 'stderr' });
      if (i % 20 === 0) await new Promise((resolve) => setImmediate(resolve));
    }
    for (const bad of [() => ctx.output.write({} as string), () => ctx.log.warn('x', { n: 1n })]) {
      try {
        bad();
      } catch (error) {
        refused.push((error as Error).message);
      }
    }
    if (ctx.attempt <= failAttempts) throw new Error(`attempt ${ctx.attempt} fails`);
    return { refused };
  },
});

/** Lets `held` finish. */
let release: () => void = () => {};
const released = new Promise<void>((resolve) => (release = resolve));

/** Writes one chunk, then waits for the test to let it finish. */
const held = testTaskType({
  name: 'held',
  input: z.object({}),
  handler: async (_, ctx) => {
    await ctx.output.write('first');
    await released;
    return null;
  },
});

const clock = new TestClock();
let stack: Stack;
beforeAll(async () => {
  stack = await startStack('task-logs', { handlers: [...builtinHandlers, chatty, held], env: { TASK_LOG_MAX_LINES: String(MAX_LINES) }, now: clock.now });
});
afterAll(() => stack?.close());

async function run(input: Record<string, unknown>, extra: { maxAttempts?: number; resultTtlSeconds?: number } = {}): Promise<string> {
  const { enqueueTask } = await stack.client.data(EnqueueTaskDocument, { input: { type: 'chatty', input, ...extra } });
  const id = enqueueTask.task.id;
  // The log stream completes after the final state, once every line before it was sent.
  await stack.client.watch(TaskLogStreamDocument, { id }).completed;
  return id;
}

describe('task logs', () => {
  it('keeps both attempts of a retried task, numbered on, each line with its attempt', async () => {
    const id = await run({ lines: 30, failAttempts: 1 }, { maxAttempts: 2 });
    const { task } = await stack.client.data(TaskLogsDocument, { id });
    expect(task?.state).toBe('SUCCEEDED');
    const lines = task!.logs;
    expect(lines.map((l) => l.seq)).toEqual(Array.from({ length: 60 }, (_, i) => i + 1));
    expect(lines.map((l) => `${l.attempt}:${l.message}`)).toEqual([1, 2].flatMap((a) => Array.from({ length: 30 }, (_, i) => `${a}:line ${i + 1}`)));
    expect(lines[0]).toMatchObject({ level: 'INFO', data: { i: 1 } });
    // The newest 50, and after a seq.
    const newest = (await stack.client.data(TaskLogsDocument, { id, last: 50 })).task!.logs;
    expect(newest.map((l) => l.seq)).toEqual(Array.from({ length: 50 }, (_, i) => i + 11));
    expect((await stack.client.data(TaskLogsDocument, { id, after: 55 })).task!.logs.map((l) => l.seq)).toEqual([56, 57, 58, 59, 60]);
    expect((await stack.client.data(TaskLogsDocument, { id, after: 600 })).task!.logs).toEqual([]);
    // Output: each stream numbered apart, on across attempts too.
    const out = (await stack.client.data(TaskOutputDocument, { id })).task!.output;
    expect(out.map((c) => c.seq)).toEqual(Array.from({ length: 60 }, (_, i) => i + 1));
    expect(out.map((c) => c.data).join('')).toBe([1, 2].map(() => Array.from({ length: 30 }, (_, i) => `out ${i + 1};`).join('')).join(''));
    const err = (await stack.client.data(TaskOutputDocument, { id, stream: 'stderr', after: 58 })).task!.output;
    expect(err).toMatchObject([{ seq: 59, stream: 'stderr', data: 'err 29;' }, { seq: 60, stream: 'stderr', data: 'err 30;' }]);
    // The handler's bad writes threw to it, and it went on.
    const stored = await stack.runtime.tasks.get(ANONYMOUS, id);
    expect(stored?.result).toEqual({ refused: ['output.write: the chunk must be a string, got object', 'log.warn: data is not JSON: a bigint cannot be JSON'] });
  });

  it('drops the oldest lines past the maximum, with one LOG_TRUNCATED event', async () => {
    const id = await run({ lines: 130, failAttempts: 1 }, { maxAttempts: 2 });
    const lines = (await stack.client.data(TaskLogsDocument, { id })).task!.logs;
    expect(lines.map((l) => l.seq)).toEqual(Array.from({ length: MAX_LINES }, (_, i) => i + 161));
    expect(lines.every((l) => l.attempt === 2)).toBe(true);
    const { task } = await stack.client.data(TaskHistoryDocument, { id, afterVersion: 0 });
    const truncations = task!.events.filter((e) => e.type === 'LOG_TRUNCATED');
    expect(truncations).toHaveLength(1);
    expect(truncations[0]).toMatchObject({ state: 'RUNNING', attempt: 1 });
    // Replay gives the kept lines only, then completes.
    const replayed = (await stack.client.watch(TaskLogStreamDocument, { id }).completed).map((r) => r.data!.taskLogs.seq);
    expect(replayed).toEqual(lines.map((l) => l.seq));
    // Whole batches at or below the floor are deleted, not just hidden.
    const stored = await stack.runtime.db.collection('task_logs').find({ taskId: id }).toArray();
    expect(stored.every((batch) => (batch['lastSeq'] as number) > 160)).toBe(true);
  });

  it('answers BAD_USER_INPUT to a negative after or last, or a bad stream name', async () => {
    const id = await run({ lines: 1 });
    expect(errorCode(await stack.client.request(TaskLogsDocument, { id, after: -1 }))).toBe('BAD_USER_INPUT');
    expect(errorCode(await stack.client.request(TaskLogsDocument, { id, last: -1 }))).toBe('BAD_USER_INPUT');
    expect(errorCode(await stack.client.request(TaskOutputDocument, { id, stream: 'a b' }))).toBe('BAD_USER_INPUT');
    expect(errorCode((await stack.client.watch(TaskOutputStreamDocument, { id, after: -1 }).completed)[0] ?? {})).toBe('BAD_USER_INPUT');
    expect(errorCode((await stack.client.watch(TaskLogStreamDocument, { id, after: -5 }).completed)[0] ?? {})).toBe('BAD_USER_INPUT');
    // Beyond the end: nothing replayed, and the finished task completes the stream.
    expect(await stack.client.watch(TaskOutputStreamDocument, { id, after: 50 }).completed).toEqual([]);
  });

  it('fills a batch whose publish was lost from MongoDB, when the next one shows the gap', async () => {
    const { enqueueTask } = await stack.client.data(EnqueueTaskDocument, { input: { type: 'held' } });
    const id = enqueueTask.task.id;
    const watched = stack.client.watch(TaskOutputStreamDocument, { id });
    await watched.until((r) => r.data?.taskOutput.seq === 1);
    const chunk = (seq: number) => ({ seq, at: new Date(), stream: 'default', data: `chunk ${seq};` });
    // Chunks 2 and 3 stored, their publish lost; chunk 4 stored and published.
    await stack.runtime.outputStore.appendOutput(id, 'default', [chunk(2), chunk(3)]);
    await stack.runtime.outputStore.appendOutput(id, 'default', [chunk(4)]);
    await stack.runtime.outputBus.publish({ taskId: id, kind: 'output', stream: 'default', entries: [chunk(4)] });
    await watched.until((r) => r.data?.taskOutput.seq === 4);
    release();
    const seen = (await watched.completed).map((r) => r.data!.taskOutput);
    expect(seen.map((c) => `${c.seq}:${c.data}`)).toEqual(['1:first', '2:chunk 2;', '3:chunk 3;', '4:chunk 4;']);
  });

  it('deletes logs and output with their task', async () => {
    const id = await run({ lines: 5 }, { resultTtlSeconds: 60 });
    const count = async () =>
      (await stack.runtime.db.collection('task_logs').countDocuments({ taskId: id })) +
      (await stack.runtime.db.collection('task_output').countDocuments({ taskId: id }));
    expect(await count()).toBeGreaterThan(0);
    clock.advance(61_000);
    await retentionChore(stack.runtime).run();
    expect(await count()).toBe(0);
    expect((await stack.client.data(TaskLogsDocument, { id })).task).toBeNull();
  });
});
